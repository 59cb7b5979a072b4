/**
 * `values.amp_style`: how mixed precision is applied, reported with its provenance like the other
 * values, with or without a known model, and agreeing with the job's `amp_style` wherever there is a job.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { Analysis } from '../../server/src/analysis/types';
import { jsonReport } from '../../server/src/cli/report';
import { textReport } from '../../server/src/cli/text';
import { hoverAt } from '../../server/src/lsp/hover';
import { analyzeFile } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const URI = 'file:///w/train.py';
const analyze = (text: string): Analysis => analyzer.analyze({ uri: URI, text, version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
/** The 0-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

const LLAMA = `from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
`;

const UNKNOWN_MODEL = `import argparse
import torch
from transformers import AutoModelForCausalLM
parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
args = parser.parse_args()
model = AutoModelForCausalLM.from_pretrained(args.model).cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
for batch in loader:
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(input_ids=batch, labels=batch).loss
    loss.backward()
    optimizer.step()
`;

describe('amp_style of a script whose model is unknown', () => {
  const a = () => analyze(UNKNOWN_MODEL);

  it('is known from the torch.autocast line, with the precision it goes with', () => {
    const analysis = a();
    expect(analysis.job).toBeNull();
    expect(analysis.values.amp_style).toMatchObject({ value: 'autocast', status: 'known', source: { file: URI, range: { start: { line: lineOf(UNKNOWN_MODEL, 'torch.autocast') } } } });
    expect(analysis.values.amp_style!.reason).toContain('fp32 parameters, cast to half per op');
    expect(analysis.values.amp_style!.source).toEqual(analysis.values.precision!.source);
  });

  it('is in the explain --json values and in the hover on the line that sets it', () => {
    const analysis = a();
    const report = JSON.parse(JSON.stringify(jsonReport(analysis))) as { job: unknown; values: Record<string, { value: unknown; status: string }> };
    expect(report.job).toBeNull();
    expect(report.values.amp_style).toMatchObject({ value: 'autocast', status: 'known' });
    const hover = hoverAt(analysis, { line: lineOf(UNKNOWN_MODEL, 'torch.autocast'), character: 10 });
    const markdown = (hover!.contents as { value: string }).value;
    expect(markdown).toContain('**Precision** = `bf16-mixed`');
    expect(markdown).toContain('**Mixed-precision style** = `autocast` (known; line 10;');
  });
});

describe('amp_style from the library that applies mixed precision', () => {
  it('Trainer bf16=True: autocast, known, at the flag', () => {
    const text = `${LLAMA}args = TrainingArguments(output_dir="o", per_device_train_batch_size=2,\n    bf16=True)\n`;
    const a = analyze(text);
    expect(a.job!.amp_style).toBe('autocast');
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'known', source: { range: { start: { line: lineOf(text, 'bf16=True') } } } });
    expect(a.values.amp_style!.reason).toContain('the Trainer runs the forward under torch.autocast (bf16=True)');
  });

  it("TRL's default bf16: autocast, assumed, and said among the assumptions", () => {
    const a = analyze(`${LLAMA}from trl import SFTConfig\nargs = SFTConfig(output_dir="o", per_device_train_batch_size=2)\n`);
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'assumed' });
    expect(a.assumptions.some((s) => s.startsWith('mixed-precision style autocast assumed: TRL'))).toBe(true);
  });

  it('accelerate Accelerator(mixed_precision="fp16"): autocast, known', () => {
    const text = `${LLAMA}from accelerate import Accelerator\naccelerator = Accelerator(mixed_precision="fp16")\n`;
    const a = analyze(text);
    expect(a.job).toMatchObject({ precision: 'fp16-mixed', amp_style: 'autocast' });
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'known', source: { range: { start: { line: lineOf(text, 'Accelerator(') } } } });
    expect(a.values.amp_style!.reason).toContain('Accelerator(mixed_precision="fp16")');
  });

  it('a DeepSpeed bf16 section: master_weights, known, where the config is named', () => {
    const text = `${LLAMA}args = TrainingArguments(output_dir="o", per_device_train_batch_size=2,\n    deepspeed={"zero_optimization": {"stage": 2}, "bf16": {"enabled": True}})\n`;
    const a = analyze(text);
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'master_weights' });
    expect(a.values.amp_style).toMatchObject({ value: 'master_weights', status: 'known', source: { range: { start: { line: lineOf(text, 'deepspeed=') } } } });
    expect(a.values.amp_style!.reason).toMatch(/DeepSpeed bf16 section .*not autocast: half parameters, with an fp32 master copy/);
  });

  it('bf16=True filling a DeepSpeed "auto": master_weights, not the autocast of a plain Trainer', () => {
    const a = analyze(`${LLAMA}args = TrainingArguments(output_dir="o", bf16=True,\n    deepspeed={"zero_optimization": {"stage": 2}, "bf16": {"enabled": "auto"}})\n`);
    expect(a.job!.amp_style).toBe('master_weights');
    expect(a.values.amp_style).toMatchObject({ value: 'master_weights', status: 'known' });
  });

  it('accelerate launch with a DeepSpeed config turns the script\'s style into master_weights (fixture 20)', () => {
    const dir = resolve(__dirname, '../fixtures/scripts/20-accelerate-yaml-zero2-offload');
    const a = analyzeFile(analyzer, dir, 'train.py', { gpus: 1 });
    expect(a.job!.amp_style).toBe('master_weights');
    expect(a.values.amp_style).toMatchObject({ value: 'master_weights', status: a.values.precision!.status });
    expect(a.values.amp_style!.source).toEqual(a.values.precision!.source);
  });
});

describe('no mixed precision', () => {
  it('nothing sets a precision: none, assumed, saying there is no mixed precision', () => {
    const a = analyze(LLAMA);
    expect(a.job).toMatchObject({ precision: 'fp32' });
    expect(a.values.amp_style).toMatchObject({ value: null, status: 'assumed' });
    expect(a.values.amp_style!.reason).toMatch(/^no mixed precision: fp32 throughout/);
  });

  it('pure bf16 weights: none, known, at the cast', () => {
    const text = `${LLAMA}import torch\nmodel = model.to(torch.bfloat16)\n`;
    const a = analyze(text);
    expect(a.job).toMatchObject({ precision: 'bf16' });
    expect(a.values.amp_style).toMatchObject({ value: null, status: 'known', source: { range: { start: { line: lineOf(text, 'model.to(') } } } });
    expect(a.values.amp_style!.reason).toContain('no mixed precision: pure bf16 weights');
  });

  it('the CLI text and the assumptions leave it to the precision line: a style of none only restates it', () => {
    const a = analyze(LLAMA);
    const text = textReport(a, 'train.py', false);
    expect(text).toMatch(/\n {2}precision +fp32 +\[assumed/);
    expect(text).not.toMatch(/mixed-precision style/);
    expect(a.assumptions.join('\n')).toMatch(/^precision fp32 assumed/m);
    expect(a.assumptions.join('\n')).not.toMatch(/mixed-precision style/);
    expect(analyze(`${LLAMA}\nwith torch.autocast("cuda", dtype=torch.bfloat16):\n    pass\n`).assumptions.join('\n')).not.toMatch(/precision/);
  });
});

describe('a precision stated in a comment', () => {
  it('over fp32 code: the style it implies is TrainLens\'s default, assumed', () => {
    const a = analyze(`# trainlens: precision=bf16-mixed\n${LLAMA}`);
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'autocast' });
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'assumed' });
    expect(a.values.amp_style!.reason).toContain('is stated (# trainlens: comment), not how it is applied');
  });

  it('pure bf16 over a Trainer flag: no mixed precision, as stated', () => {
    const a = analyze(`# trainlens: precision=bf16\n${LLAMA}args = TrainingArguments(output_dir="o", bf16=True)\n`);
    expect(a.values.amp_style).toMatchObject({ value: null, status: 'known' });
  });
});

describe('every fixture case with a job', () => {
  const corpus = resolve(__dirname, '../fixtures/scripts');
  const cases = readdirSync(corpus).filter((n) => statSync(join(corpus, n)).isDirectory());

  it("reports the job's amp_style (null where the precision is not mixed), with the precision's source", () => {
    const disagree: string[] = [];
    let jobs = 0;
    for (const name of cases) {
      const spec = JSON.parse(readFileSync(join(corpus, name, 'expected.json'), 'utf8')) as { entry: string; settings: { gpu: string; gpus: number }; command: string | null; hfCache?: string };
      const saved = process.env.HF_HUB_CACHE;
      process.env.HF_HUB_CACHE = join(corpus, name, spec.hfCache ?? '.no-hf-cache');
      try {
        const a = analyzeFile(analyzer, join(corpus, name), spec.entry, { ...spec.settings, ...(spec.command ? { command: spec.command } : {}) });
        if (!a.job) continue;
        jobs++;
        const expected = a.job.precision.endsWith('-mixed') ? a.job.amp_style : null;
        const info = a.values.amp_style;
        if (info?.value !== expected || JSON.stringify(info.source) !== JSON.stringify(a.values.precision?.source)) {
          disagree.push(`${name}: job ${a.job.precision}/${a.job.amp_style}, values ${JSON.stringify(info)}`);
        }
      } finally {
        if (saved === undefined) delete process.env.HF_HUB_CACHE;
        else process.env.HF_HUB_CACHE = saved;
      }
    }
    expect(jobs).toBeGreaterThan(40);
    expect(disagree).toEqual([]);
  });
});
