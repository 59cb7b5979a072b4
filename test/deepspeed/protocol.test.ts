/**
 * DeepSpeed configs over the real protocol: the bundled server (dist/server.js --stdio) with
 * test/fixtures/configs as its workspace folder, so configs are linked to the fixture scripts and
 * launch line that use them. One test per diagnostic code (on the exact key or value), hovers,
 * completion and each kind of quick fix, applied and re-read.
 */
import { type CompletionItem } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoverMarkdown, positionOf } from '../lsp/helpers/lspClient';
import { ConfigSession, withCode } from './session';

const session = new ConfigSession();
const { client } = session;
const { uriOf, textOf } = session;
const diagnose = (name: string, text?: string) => session.diagnose(name, text);
const actionsFor = (name: string, d: Parameters<ConfigSession['actionsFor']>[1]) => session.actionsFor(name, d);
const apply = (text: string, action: Parameters<ConfigSession['apply']>[1], name: string) => session.apply(text, action, name);

beforeAll(() => session.start(), 60_000);
afterAll(() => session.stop());

describe('diagnostics on the exact key or value, one per code', () => {
  it('DS001 broken JSON, DS002 comments', async () => {
    const broken = withCode(await diagnose('broken.json'), 'DS001', textOf('broken.json'));
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0].d.range.start.line).toBe(2);
    const comments = withCode(await diagnose('commented.json'), 'DS002', textOf('commented.json')).map((c) => c.covers);
    expect(comments).toEqual(['// stage 2 shards gradients too', '/* no offload */']);
    // Used only by a bare deepspeed.initialize (hjson): the comment is fine.
    expect(await diagnose('workspace/ds_hjson.json')).toEqual([]);
  });

  it('DS003 duplicate key, DS004 wrong type, DS012 "auto" nobody fills, DS015 partial offload, DS016 max_grad_norm', async () => {
    const text = textOf('mistakes.json');
    const d = await diagnose('mistakes.json');
    const dup = withCode(d, 'DS003', text);
    expect(dup.map((c) => [c.covers, c.d.range.start.line])).toEqual([['"train_micro_batch_size_per_gpu"', 12]]);
    expect(withCode(d, 'DS004', text).map((c) => c.covers)).toEqual(['"often"']);
    expect(withCode(d, 'DS012', text).map((c) => c.covers)).toEqual(['"auto"']);
    expect(withCode(d, 'DS012', text)[0].d.message).toMatch(/overlap_comm/);
    expect(withCode(d, 'DS015', text).map((c) => c.covers)).toEqual(['0.5']);
    expect(withCode(d, 'DS016', text).map((c) => c.covers)).toEqual(['"max_grad_norm"']);
    expect(d.every((x) => x.source === 'trainlens')).toBe(true);
  });

  it('DS005 top-level typo with "did you mean", fixed by renaming', async () => {
    const text = textOf('mistakes.json');
    const [typo] = withCode(await diagnose('mistakes.json'), 'DS005', text);
    expect(typo.covers).toBe('"gradient_accumulation_step"');
    expect(typo.d).toMatchObject({ severity: 2 });
    expect(typo.d.message).toMatch(/silently ignores it; did you mean "gradient_accumulation_steps"\?/);
    const [rename] = await actionsFor('mistakes.json', typo.d);
    expect(rename.title).toBe('Rename "gradient_accumulation_step" to "gradient_accumulation_steps"');
    expect(apply(text, rename, 'mistakes.json')).toContain('"gradient_accumulation_steps": 4');
  });

  it('DS006 keys DeepSpeed ≥ 0.17.1 rejects inside bf16: remove one, rename the other', async () => {
    const name = 'bf16_loss_scale.json';
    const text = textOf(name);
    const rejected = withCode(await diagnose(name), 'DS006', text);
    expect(rejected.map((c) => c.covers)).toEqual(['"loss_scale_window"', '"enable"']);
    expect(rejected[0].d.message).toMatch(/Extra inputs are not permitted/);
    const [remove] = await actionsFor(name, rejected[0].d);
    const removed = JSON.parse(apply(text, remove, name)) as { bf16: Record<string, unknown> };
    expect(removed.bf16).toEqual({ enabled: true, enable: true });
    const [rename] = await actionsFor(name, rejected[1].d);
    expect(JSON.parse(apply(text, rename, name)).bf16).toEqual({ enabled: true, loss_scale_window: 1000 });
  });

  it('DS007 deprecated cpu_offload (the stage-1 seed config), replaced by offload_optimizer', async () => {
    const name = 'zero1_cpu_offload.json';
    const text = textOf(name);
    const [deprecated] = withCode(await diagnose(name), 'DS007', text);
    expect(deprecated.covers).toBe('"cpu_offload"');
    const [fix] = await actionsFor(name, deprecated.d);
    expect(fix.title).toBe('Replace deprecated "cpu_offload" with "offload_optimizer"');
    const fixed = JSON.parse(apply(text, fix, name));
    expect(fixed.zero_optimization).toEqual({ stage: 1, offload_optimizer: { device: 'cpu' } });
    expect(await diagnose(name, apply(text, fix, name))).toEqual([]);
  });

  it('the stage-2 and stage-3 configs modelled on the seeds have no findings of their own', async () => {
    expect(await diagnose('zero2_fp16_loss_scale.json')).toEqual([]);
    expect(await diagnose('zero3_offload.json')).toEqual([]);
    expect(await diagnose('not_deepspeed.json')).toEqual([]);
  });

  it('DS008 fp16 and bf16 both enabled: remove one block', async () => {
    const name = 'both_precisions.json';
    const text = textOf(name);
    const both = withCode(await diagnose(name), 'DS008', text);
    expect(both.map((c) => [c.covers, c.d.range.start.line])).toEqual([['true', 3], ['true', 7]]);
    const titles = (await actionsFor(name, both[0].d)).map((a) => a.title);
    expect(titles).toEqual(['Remove the "fp16" block (keep bf16)', 'Remove the "bf16" block (keep fp16)']);
    const [dropFp16] = await actionsFor(name, both[0].d);
    expect(JSON.parse(apply(text, dropFp16, name))).toEqual({ train_micro_batch_size_per_gpu: 1, bf16: { enabled: true } });
  });

  it('DS009 offload_param below stage 3: move to stage 3', async () => {
    const name = 'mistakes.json';
    const text = textOf(name);
    const [ignored] = withCode(await diagnose(name), 'DS009', text);
    expect(ignored.covers).toBe('"offload_param"');
    const [fix] = await actionsFor(name, ignored.d);
    expect(fix.title).toMatch(/ZeRO stage 3/);
    expect(withCode(await diagnose(name, apply(text, fix, name)), 'DS009', text)).toEqual([]);
  });

  it('DS010 batch invariant with the world size of the launch line (run.sh: deepspeed --num_gpus 4)', async () => {
    const name = 'workspace/ds_launch.json';
    const [bad] = withCode(await diagnose(name), 'DS010', textOf(name));
    expect(bad.covers).toBe('16');
    expect(bad.d.message).toContain('16 != 4 * 2 * 4 (run.sh line 3)');
    const fixed = textOf(name).replace('"train_batch_size": 16', '"train_batch_size": 32');
    expect(withCode(await diagnose(name, fixed), 'DS010', fixed)).toEqual([]);
  });

  it('DS010, DS011, DS014, DS017 against the script that names the config (train_hf.py)', async () => {
    const name = 'workspace/ds_hf.json';
    const text = textOf(name);
    const d = await diagnose(name);
    expect(withCode(d, 'DS010', text)[0].d.message).toContain('100 != 2 * 8 * 1 (train_hf.py line 11)');
    const mismatches = withCode(d, 'DS011', text);
    expect(mismatches.map((c) => c.covers)).toEqual(['2', 'false']);
    expect(mismatches[0].d.message).toMatch(/per_device_train_batch_size=4/);
    const [toAuto] = await actionsFor(name, mismatches[1].d);
    expect(toAuto.title).toBe('Set fp16.enabled to "auto" (filled from TrainingArguments)');
    expect(JSON.parse(apply(text, toAuto, name)).fp16).toEqual({ enabled: 'auto' });
    const [replaced] = withCode(d, 'DS014', text);
    expect(replaced.covers).toBe('"cpu"');
    expect(replaced.d.message).toMatch(/adamw_8bit.*CPU Adam with fp32 states/);
    const [oom] = withCode(d, 'DS017', text);
    expect(oom.covers).toBe('1');
    expect(oom.d.message).toMatch(/^train_hf\.py line 11 needs [\d.]+ GiB per GPU with this config; V100-32GB has 32\.0 GiB$/);
  });

  it('DS011 against SFTConfig defaults (max_grad_norm 1.0, betas 0.9/0.999) and a written weight_decay; DS013 for its default bf16 on a V100', async () => {
    const name = 'workspace/ds_optim.json';
    const text = textOf(name);
    const d = await diagnose(name);
    const mismatches = withCode(d, 'DS011', text);
    expect(mismatches.map((c) => c.covers)).toEqual(['0.5', '0.0', '[0.9, 0.95]']);
    expect(mismatches[0].d.message).toContain('gradient_clipping=0.5 but train_sft.py line 6 has max_grad_norm=1 (default)');
    expect(mismatches[1].d.message).toContain('optimizer.params.weight_decay=0 but train_sft.py line 6 has weight_decay=0.01:');
    expect(mismatches[2].d.message).toContain('adam_beta1=0.9, adam_beta2=0.999 (default)');
    const [toAuto] = await actionsFor(name, mismatches[2].d);
    expect(JSON.parse(apply(text, toAuto, name)).optimizer.params.betas).toBe('auto');
    const [bf16] = withCode(d, 'DS013', text);
    expect(bf16.covers).toBe('"auto"');
  });

  it('DS017 quick fixes are titled with the GiB they save, and applying one changes the total by that much', async () => {
    const name = 'workspace/ds_hf.json';
    const text = textOf(name);
    const [oom] = withCode(await diagnose(name), 'DS017', text);
    const needs = Number(/needs ([\d.]+) GiB/.exec(oom.d.message)![1]);
    const actions = await actionsFor(name, oom.d);
    expect(actions.length).toBeGreaterThan(0);
    for (const a of actions) expect(a.title).toMatch(/^(ZeRO stage \d|Offload).* \(saves [\d.]+ GiB\)$/);
    const first = actions[0];
    const saves = Number(/saves ([\d.]+) GiB/.exec(first.title)![1]);
    const after = apply(text, first, name);
    JSON.parse(after);
    const seen = client.statuses.length;
    await diagnose(name, after);
    const status = await client.waitForStatus(uriOf(name), (s) => client.statuses.indexOf(s) >= seen);
    expect(status.total_bytes! / 2 ** 30).toBeCloseTo(needs - saves, 0);
  });

  it('DS012 "auto" in a config used by a raw deepspeed.initialize loop', async () => {
    const name = 'workspace/ds_raw.json';
    const autos = withCode(await diagnose(name), 'DS012', textOf(name));
    expect(autos.map((c) => c.covers)).toEqual(['"auto"', '"auto"']);
    expect(autos[0].d.message).toMatch(/train_raw\.py line 7 calls deepspeed\.initialize/);
  });

  it('DS013 bf16 on a GPU without bf16 (V100-32GB from settings)', async () => {
    const name = 'bf16_loss_scale.json';
    const [noBf16] = withCode(await diagnose(name), 'DS013', textOf(name));
    expect(noBf16.covers).toBe('true');
    expect(noBf16.d.message).toMatch(/V100-32GB does not support bf16/);
  });
});

describe('hover', () => {
  it('on "stage": per-GPU memory of the script at stages 0–3 with and without offload, this config in bold', async () => {
    const name = 'workspace/ds_hf.json';
    const text = textOf(name);
    const d = await diagnose(name, text);
    const needs = /needs ([\d.]+ GiB)/.exec(d.find((x) => x.code === 'DS017')!.message)![1];
    const md = hoverMarkdown(await client.hover(uriOf(name), positionOf(text, '"stage"', 2)));
    expect(md).toContain('**zero\\_optimization.stage** · integer');
    expect(md).toContain('Default: `0`');
    expect(md).toContain('Allowed: `0`, `1`, `2`, `3`');
    expect(md).toContain('deepspeed/runtime/zero/config.py');
    expect(md).toContain('Per-GPU memory of train\\_hf.py line 11 (meta-llama/Llama-2-7b-hf, micro-batch 2, 1 GPU) on V100-32GB');
    const rows = md.split('\n').filter((l) => /^\| [0-3] \|/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain(`**${needs} ✗**`);
    const gibIn = (row: string, column: number) => Number(/([\d.]+) GiB/.exec(row.split('|')[column + 2])![1]);
    expect(gibIn(rows[3], 0)).toBeLessThanOrEqual(gibIn(rows[0], 0));
    expect(rows[0]).toMatch(/\| — \| — \|$/);
  });

  it('on other keys: meaning and default; unknown keys say so; memory keys without a script say how to link one', async () => {
    const name = 'zero1_cpu_offload.json';
    const text = textOf(name);
    await diagnose(name, text);
    const steps = hoverMarkdown(await client.hover(uriOf(name), positionOf(text, '"steps_per_print"', 3)));
    expect(steps).toContain('Print training progress every N steps');
    expect(steps).not.toContain('Per-GPU memory');
    const stage = hoverMarkdown(await client.hover(uriOf(name), positionOf(text, '"stage"', 3)));
    expect(stage).toContain('No script in the workspace uses this config yet');
    const typo = 'mistakes.json';
    await diagnose(typo);
    expect(hoverMarkdown(await client.hover(uriOf(typo), positionOf(textOf(typo), '"gradient_accumulation_step"', 3)))).toContain('not a key TrainLens knows here');
  });
});

describe('completion', () => {
  const name = 'completion.json';
  const labels = (items: CompletionItem[]) => items.map((i) => i.label);

  it('offers the keys of the section at the cursor, not those already written or deprecated', async () => {
    const text = '{\n  "zero_optimization": {\n    "stage": 2,\n    \n  }\n}';
    await diagnose(name, text);
    const items = (await client.completion(uriOf(name), { line: 3, character: 4 })) as CompletionItem[];
    expect(labels(items)).toEqual(expect.arrayContaining(['offload_optimizer', 'offload_param', 'overlap_comm', 'reduce_bucket_size']));
    expect(labels(items)).not.toContain('stage');
    expect(labels(items)).not.toContain('cpu_offload');
    const overlap = items.find((i) => i.label === 'overlap_comm')!;
    expect(overlap.detail).toMatch(/true for stage 3/);
    expect(overlap.documentation).toMatchObject({ kind: 'markdown' });
  });

  it('completes a key being typed, replacing its quotes', async () => {
    const text = '{\n  "zero_optimization": {"stage": 2},\n  "train_mi"\n}';
    await diagnose(name, text);
    const items = (await client.completion(uriOf(name), { line: 2, character: 9 })) as CompletionItem[];
    const micro = items.find((i) => i.label === 'train_micro_batch_size_per_gpu')!;
    expect(micro.textEdit).toMatchObject({ range: { start: { line: 2, character: 2 }, end: { line: 2, character: 12 } }, newText: '"train_micro_batch_size_per_gpu": 1' });
    expect(labels(items)).not.toContain('zero_optimization');
  });

  it('offers the allowed values of the key, "auto" where Hugging Face fills it', async () => {
    const text = '{\n  "zero_optimization": {"stage": 2, "offload_optimizer": {"device": "cpu"}},\n  "train_micro_batch_size_per_gpu": 4\n}';
    await diagnose(name, text);
    const devices = (await client.completion(uriOf(name), positionOf(text, '"cpu"', 1))) as CompletionItem[];
    expect(labels(devices)).toEqual(['"none"', '"cpu"', '"nvme"']);
    const stages = (await client.completion(uriOf(name), positionOf(text, ': 2', 2))) as CompletionItem[];
    expect(labels(stages)).toEqual(['0', '1', '2', '3']);
    const micro = (await client.completion(uriOf(name), positionOf(text, ': 4', 2))) as CompletionItem[];
    expect(labels(micro)).toContain('"auto"');
  });

  it('suggests DeepSpeed optimizer names but accepts any torch.optim class', async () => {
    const text = '{\n  "train_micro_batch_size_per_gpu": 4,\n  "optimizer": {"type": "SGD"}\n}';
    expect(await diagnose(name, text)).toEqual([]);
    const items = (await client.completion(uriOf(name), positionOf(text, '"SGD"', 1))) as CompletionItem[];
    expect(labels(items)).toEqual(expect.arrayContaining(['"AdamW"', '"Lion"']));
  });
});
