/**
 * The gradient-checkpointing quick fix: the edit keeps the layout of the call, yields valid
 * Python, and re-analysis shows the job with checkpointing and a smaller total; for a custom
 * nn.Module it is a hint without an edit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { applyEdits } from '../support/edits';
import { createWorkspaceFiles } from '../../server/src/workspace/files';
import { bestPlanLine } from '../../server/src/fixes/build';

let analyzer: Analyzer;
let parser: Parser;
beforeAll(async () => {
  analyzer = await createAnalyzer();
  const assets = defaultAssets();
  parser = new Parser();
  parser.setLanguage((await loadLanguages(assets.grammarDir, assets.projectRoot)).python);
});

const settings = { gpu: 'V100-32GB', gpus: 1 };
let version = 0;
const analyze = (text: string) => analyzer.analyze({ uri: 'file:///w/fix.py', text, version: ++version }, settings);

function applyCheckpointing(text: string): string {
  const before = analyze(text);
  const fix = before.fixes.find((f) => f.id === 'enable-gradient-checkpointing');
  expect(fix, 'a checkpointing fix is offered').toBeDefined();
  expect(fix!.title).toMatch(/^Enable gradient checkpointing: \d+\.\d → \d+\.\d GiB, about \+\d+% step time$/);
  const after = applyEdits(text, fix!.edits);
  expect(parser.parse(after)!.rootNode.hasError).toBe(false);
  const reanalysed = analyze(after);
  expect(reanalysed.job!.grad_checkpointing).toBe(true);
  expect(reanalysed.estimate!.per_gpu.total).toBe(fix!.total_after_bytes);
  expect(reanalysed.estimate!.per_gpu.total).toBeLessThan(before.estimate!.per_gpu.total);
  expect(reanalysed.fixes.find((f) => f.id === 'enable-gradient-checkpointing')).toBeUndefined();
  return after;
}

const LOAD = 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n';

describe('enable gradient checkpointing', () => {
  it('adds a line to a call written one argument per line, with a trailing comma', () => {
    const text = `${LOAD}args = TrainingArguments(\n    output_dir="o",\n    per_device_train_batch_size=4,\n)\n`;
    expect(applyCheckpointing(text)).toBe(`${LOAD}args = TrainingArguments(\n    output_dir="o",\n    per_device_train_batch_size=4,\n    gradient_checkpointing=True,\n)\n`);
  });

  it('adds a line to a multi-line call without a trailing comma', () => {
    const text = `${LOAD}args = TrainingArguments(\n        output_dir="o",\n        per_device_train_batch_size=4)\n`;
    expect(applyCheckpointing(text)).toBe(`${LOAD}args = TrainingArguments(\n        output_dir="o",\n        per_device_train_batch_size=4,\n        gradient_checkpointing=True)\n`);
  });

  it('appends inline to a one-line call, and fills an empty one', () => {
    expect(applyCheckpointing(`${LOAD}args = TrainingArguments(per_device_train_batch_size=4)\n`))
      .toBe(`${LOAD}args = TrainingArguments(per_device_train_batch_size=4, gradient_checkpointing=True)\n`);
    expect(applyCheckpointing(`${LOAD}args = TrainingArguments()\n`)).toBe(`${LOAD}args = TrainingArguments(gradient_checkpointing=True)\n`);
  });

  it('flips an explicit False, keeping the comment after it', () => {
    const text = `${LOAD}args = TrainingArguments(\n    gradient_checkpointing=False,  # too slow?\n)\n`;
    expect(applyCheckpointing(text)).toBe(`${LOAD}args = TrainingArguments(\n    gradient_checkpointing=True,  # too slow?\n)\n`);
  });

  it('adds after a last argument that ends in a comment, keeping the comment on its line', () => {
    const text = `${LOAD}args = TrainingArguments(\n    output_dir="o",\n    max_steps=10  # short run\n)\n`;
    expect(applyCheckpointing(text)).toBe(`${LOAD}args = TrainingArguments(\n    output_dir="o",\n    max_steps=10,  # short run\n    gradient_checkpointing=True\n)\n`);
  });

  it('for a custom nn.Module: a hint with its saving and no edit (it has no gradient_checkpointing_enable)', () => {
    const dir = join(__dirname, '..', 'fixes', 'fixtures', 'custom');
    const path = join(dir, 'train_gpt.py');
    const a = analyzer.analyze({ uri: pathToFileURL(path).href, text: readFileSync(path, 'utf8'), version: 1 }, settings, createWorkspaceFiles([dir]));
    const fix = a.fixes.find((f) => f.id === 'enable-gradient-checkpointing')!;
    expect(fix.edits).toEqual([]);
    expect(fix.title).toMatch(/^Gradient checkpointing \(hint, not written\): call each block as torch\.utils\.checkpoint\.checkpoint\(block, x, use_reentrant=False\): \d+\.\d → \d+\.\d GiB/);
    expect(fix.total_after_bytes).toBeLessThan(a.estimate!.per_gpu.total);
    expect(a.findings.find((f) => f.code === 'TL001')!.fixIds ?? []).not.toContain('enable-gradient-checkpointing');
  });

  it('enables it on the model in a plain PyTorch loop', () => {
    const text = `import torch\n${LOAD}opt = torch.optim.AdamW(model.parameters())\n`;
    expect(applyCheckpointing(text)).toBe(`import torch\n${LOAD}model.gradient_checkpointing_enable()\nopt = torch.optim.AdamW(model.parameters())\n`);
  });
});

describe('diagnostics', () => {
  it('an OOM error on the micro-batch argument, naming the GPU and its capacity', () => {
    const text = `${LOAD}args = TrainingArguments(\n    per_device_train_batch_size=4,\n    fp16=True,\n)\n`;
    const a = analyze(text);
    const oom = a.findings.find((f) => f.code === 'TL001')!;
    expect(oom.severity).toBe('error');
    expect(oom.message).toMatch(/^needs \d+\.\d GiB per GPU; V100-32GB has 32\.0 GiB \(largest: (weights|gradients|optimizer states|activations|autocast weight copies|other) \d/);
    expect(oom.range.start).toEqual({ line: 3, character: 4 });
    expect(oom.fixIds).toContain('enable-gradient-checkpointing');
  });

  it('nothing but the estimate when the job fits', () => {
    const a = analyzer.analyze({ uri: 'file:///w/small.py', text: 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nargs = TrainingArguments(per_device_train_batch_size=1, max_steps=10)\n', version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    expect(a.estimate!.fits).toBe(true);
    expect(a.findings).toEqual([]);
  });

  it('bf16 on a GPU without bf16', () => {
    const a = analyze(`${LOAD}args = TrainingArguments(bf16=True)\n`);
    const f = a.findings.find((x) => x.code === 'TL005')!;
    expect(f.message).toContain('V100-32GB does not support bf16');
    expect(f.range.start.line).toBe(2);
  });
});

describe('DeepSpeed config as a dict in the script', () => {
  const DS = 'import deepspeed\nfrom transformers import AutoModelForCausalLM\n# trainlens: gpus=4\nMICRO = 8\n' +
    'ds_config = {"train_micro_batch_size_per_gpu": MICRO, "bf16": {"enabled": True}, "zero_optimization": {"stage": 1}}\n' +
    'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\nengine, *_ = deepspeed.initialize(model=model, config=ds_config)\n';

  it('ZeRO keys set in the inline dict as Python; re-analysed to the titled total', () => {
    const before = analyzer.analyze({ uri: 'file:///w/ds.py', text: DS, version: ++version }, { gpu: 'A100-80GB', gpus: 1 });
    const fix = (id: string) => before.fixes.find((f) => f.id === id)!;
    const stage3 = applyEdits(DS, fix('zero-stage-3').edits);
    expect(stage3).toContain('"zero_optimization": {"stage": 3}}');
    const offload = applyEdits(DS, fix('zero-offload-optimizer').edits);
    expect(offload).toContain('"zero_optimization": {"stage": 2, "offload_optimizer": {"device": "cpu", "pin_memory": True}}}');
    for (const [id, text] of [['zero-stage-3', stage3], ['zero-offload-optimizer', offload]] as const) {
      expect(parser.parse(text)!.rootNode.hasError).toBe(false);
      const after = analyzer.analyze({ uri: 'file:///w/ds.py', text, version: ++version }, { gpu: 'A100-80GB', gpus: 1 });
      expect(after.estimate!.per_gpu.total).toBe(fix(id).total_after_bytes);
    }
  });

  it('a value named by a constant is not overwritten in the dict', () => {
    const before = analyzer.analyze({ uri: 'file:///w/ds.py', text: DS, version: ++version }, { gpu: 'A100-80GB', gpus: 1 });
    expect(before.fixes.find((f) => f.id === 'halve-micro-batch')?.edits ?? []).toEqual([]);
  });
});

describe('best plan', () => {
  it('a job that does not fit carries the planner\'s best writable plan, the line the hover shows; a fitting job none', () => {
    const text = `${LOAD}args = TrainingArguments(\n    per_device_train_batch_size=8,\n    fp16=True,\n)\n`;
    const a = analyze(text);
    expect(a.estimate!.fits).toBe(false);
    const planned = analyzer.plan({ uri: 'file:///w/fix.py', text, version: ++version }, settings, undefined, { limit: 1 }).plans[0];
    expect(a.bestPlan).toEqual({ title: planned.title, per_gpu_total_bytes: planned.estimate.per_gpu.total, step_time_s: planned.step_time_s, effect: expect.stringMatching(/ → /) });
    expect(bestPlanLine(a.bestPlan!)).toMatch(/^Best fit: .+: \d+\.\d → \d+\.\d GiB(, about [+−]\d+% step time)?$/);
    const small = analyzer.analyze({ uri: 'file:///w/small.py', text: 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nargs = TrainingArguments(per_device_train_batch_size=1, max_steps=10)\n', version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    expect(small.bestPlan).toBeUndefined();
  });
});

describe('queries', () => {
  it('every .scm query compiles', () => {
    for (const lang of ['python'] as const) {
      const names = analyzer.queries.names(lang);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(() => analyzer.queries.get(lang, name)).not.toThrow();
    }
  });
});
