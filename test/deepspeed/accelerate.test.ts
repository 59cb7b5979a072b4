/**
 * accelerate config YAML over the real protocol (bundled server, tree-sitter YAML): one test per
 * diagnostic code on the exact key or value, the launched script's memory per ZeRO stage in the
 * hover, completion of keys and values in YAML form, and quick fixes applied and re-read.
 */
import type { CompletionItem } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoverMarkdown, positionOf } from '../lsp/helpers/lspClient';
import { ConfigSession, withCode } from './session';

const session = new ConfigSession();
beforeAll(() => session.start(), 60_000);
afterAll(() => session.stop());

describe('accelerate config diagnostics', () => {
  it('AC001 broken YAML, with no other complaint about what could not be read', async () => {
    const d = await session.diagnose('accelerate/broken.yaml');
    expect(d.map((x) => x.code)).toEqual(['AC001']);
  });

  it('AC002 unknown top-level key (renamed by the fix), AC003 value not allowed, AC004 no distributed_type, AC009 unknown nested key, AC010 legacy key', async () => {
    const name = 'accelerate/mistakes.yaml';
    const text = session.textOf(name);
    const d = await session.diagnose(name);
    const [unknown] = withCode(d, 'AC002', text);
    expect(unknown.covers).toBe('num_process');
    expect(unknown.d.message).toMatch(/had unknown keys \(\['num_process'\]\).*did you mean "num_processes"/);
    const [rename] = await session.actionsFor(name, unknown.d);
    expect(session.apply(text, rename, name)).toMatch(/^num_processes: 8$/m);
    expect(withCode(d, 'AC003', text).map((c) => c.covers)).toEqual(['FULL_SHARDED']);
    expect(withCode(d, 'AC004', text)).toHaveLength(1);
    expect(withCode(d, 'AC009', text).map((c) => c.covers)).toEqual(['zero_stag']);
    expect(withCode(d, 'AC010', text).map((c) => c.covers)).toEqual(['fp16']);
  });

  it('AC005 a deepspeed_config_file that is not there, AC006 DeepSpeed keys beside it, AC008 bf16 on a V100', async () => {
    const name = 'accelerate/mistakes.yaml';
    const text = session.textOf(name);
    const d = await session.diagnose(name, text);
    expect(withCode(d, 'AC005', text).map((c) => c.covers)).toEqual(['missing_ds.json']);
    expect(withCode(d, 'AC006', text).map((c) => c.covers)).toEqual(['zero_stage']);
    const [bf16] = withCode(d, 'AC008', text);
    expect(bf16.covers).toBe('bf16');
    expect(bf16.d.message).toMatch(/V100-32GB does not support bf16/);
  });

  it('AC007 mixed_precision against the fp16/bf16 block of the DeepSpeed file it names', async () => {
    const name = 'accelerate/file_conflict.yaml';
    const [conflict] = withCode(await session.diagnose(name), 'AC007', session.textOf(name));
    expect(conflict.covers).toBe('fp16');
    expect(conflict.d.message).toContain('`--mixed_precision` arg cannot be set to `fp16` when `bf16` is set in the DeepSpeed config file.');
  });

  it('AC011 the job launched with the file does not fit; the fixes edit zero_stage and the offload devices and say what they save', async () => {
    const name = 'accelerate/zero1.yaml';
    const text = session.textOf(name);
    const [oom] = withCode(await session.diagnose(name), 'AC011', text);
    expect(oom.covers).toBe('1');
    expect(oom.d.message).toMatch(/^run_accel\.sh line 2 needs [\d.]+ GiB per GPU with this config; V100-32GB has 32\.0 GiB$/);
    const needs = Number(/needs ([\d.]+) GiB/.exec(oom.d.message)![1]);
    const actions = await session.actionsFor(name, oom.d);
    expect(actions.length).toBeGreaterThan(0);
    const fitting = actions[0];
    expect(fitting.title).toMatch(/^zero_stage \d.* \(saves [\d.]+ GiB\)$/);
    const after = session.apply(text, fitting, name);
    expect(after).toMatch(/^  zero_stage: [23]$/m);
    expect(after).toMatch(/^  offload_optimizer_device: cpu$/m);
    const seen = session.client.statuses.length;
    expect(withCode(await session.diagnose(name, after), 'AC011', after)).toEqual([]);
    const status = await session.client.waitForStatus(session.uriOf(name), (s) => session.client.statuses.indexOf(s) >= seen);
    const saves = Number(/saves ([\d.]+) GiB/.exec(fitting.title)![1]);
    expect(status.total_bytes! / 2 ** 30).toBeCloseTo(needs - saves, 0);
  });
});

describe('accelerate config hover and completion', () => {
  it('hover on zero_stage: the launched script at stages 0–3 on the file\'s 2 processes, this file\'s cell in bold', async () => {
    const name = 'accelerate/zero1.yaml';
    const text = session.textOf(name);
    await session.diagnose(name, text);
    const md = hoverMarkdown(await session.client.hover(session.uriOf(name), positionOf(text, 'zero_stage', 2)));
    expect(md).toContain('**deepspeed\\_config.zero\\_stage** · integer');
    expect(md).toContain('Default: `2 (when unspecified)`');
    expect(md).toContain('(meta-llama/Llama-2-7b-hf, micro-batch 1, 2 GPUs) on V100-32GB');
    const rows = md.split('\n').filter((l) => /^\| [0-3] \|/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^\| 1 \| \*\*[\d.]+ GiB ✗\*\* \|/);
  });

  it('completes keys of the mapping the cursor is indented into, and values as YAML scalars', async () => {
    const name = 'accelerate/zero1.yaml';
    const text = 'compute_environment: LOCAL_MACHINE\ndistributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 1\n  \nmixed_precision: fp16\n';
    await session.diagnose(name, text);
    const nested = (await session.client.completion(session.uriOf(name), { line: 4, character: 2 })) as CompletionItem[];
    const labels = nested.map((i) => i.label);
    expect(labels).toContain('offload_optimizer_device');
    expect(labels).not.toContain('zero_stage');
    expect(labels).not.toContain('num_processes');
    expect(nested.find((i) => i.label === 'offload_optimizer_device')!.textEdit).toMatchObject({ newText: 'offload_optimizer_device: none' });
    const values = (await session.client.completion(session.uriOf(name), positionOf(text, 'DEEPSPEED', 1))) as CompletionItem[];
    // PyYAML (YAML 1.1) would read a bare NO or no as False: those stay quoted.
    expect(values.map((i) => i.label)).toEqual(expect.arrayContaining(['"NO"', 'MULTI_GPU', 'DEEPSPEED', 'FSDP']));
    const precision = (await session.client.completion(session.uriOf(name), positionOf(text, 'fp16', 1))) as CompletionItem[];
    expect(precision.map((i) => i.label)).toEqual(['"no"', 'fp16', 'bf16', 'fp8']);
  });
});
