/**
 * Trainer YAMLs as people write them (axolotl, LLaMA-Factory): values the keys decide are reported whether or
 * not TrainLens knows the model (amp_style, `# trainlens:` comments and the trainlens.assume setting included),
 * the FSDP a config states (the legacy `fsdp` list and `fsdp_config` under its old and new key names), and the
 * library defaults of keys left out (axolotl sequence_len 512, LLaMA-Factory finetuning_type lora).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainerFsdp } from '../../server/src/accelerate/trainer-fsdp';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { Analysis, AnalysisSettings } from '../../server/src/analysis/types';
import { jsonReport } from '../../server/src/cli/report';
import { readYamlMap } from '../../server/src/launch/yaml-lite';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const analyse = (files: Record<string, string>, entry: string, settings: Partial<AnalysisSettings> = {}): Analysis =>
  analyzeFile(analyzer, writeWorkspace(files), entry, settings);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

/** An axolotl config whose base model (a community mirror) is not in the catalog. */
const MIRROR = `base_model: someone/llama-3-70b-mirror
load_in_4bit: true
adapter: qlora
lora_target_linear: true
sequence_len: 2048
micro_batch_size: 1
bf16: auto
`;

const ZERO2 = '{ "zero_optimization": { "stage": 2 }, "bf16": { "enabled": "auto" }, "train_micro_batch_size_per_gpu": "auto" }';

describe('a trainer YAML whose model TrainLens cannot resolve', () => {
  it('reports amp_style like the script path: autocast under the Trainer, known at the precision key, in explain --json', () => {
    const a = analyse({ 'qlora.yml': MIRROR }, 'qlora.yml');
    expect(a.job).toBeNull();
    expect(a.values.model).toMatchObject({ status: 'unknown' });
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'known', source: { range: { start: { line: lineOf(MIRROR, 'bf16') } } } });
    expect(a.values.amp_style!.reason).toContain('torch.autocast');
    const report = JSON.parse(JSON.stringify(jsonReport(a))) as { job: unknown; values: Record<string, { value: unknown; status: string }> };
    expect(report.job).toBeNull();
    expect(report.values.amp_style).toMatchObject({ value: 'autocast', status: 'known' });
  });

  it('master_weights under a DeepSpeed config; null for fp32', () => {
    const ds = analyse({ 'qlora.yml': `${MIRROR}deepspeed: zero2.json\n`, 'zero2.json': ZERO2 }, 'qlora.yml');
    expect(ds.values.amp_style).toMatchObject({ value: 'master_weights', status: 'known' });
    expect(ds.values.zero).toMatchObject({ value: { stage: 2 }, status: 'known' });
    const fp32 = analyse({ 'qlora.yml': MIRROR.replace('bf16: auto\n', '') }, 'qlora.yml');
    expect(fp32.values.amp_style).toMatchObject({ value: null });
  });

  it('applies a # trainlens: comment and the trainlens.assume setting to the values', () => {
    // no bf16/fp16 key: fp32 until the comment states a mixed precision, whose style is then TrainLens's default, assumed
    const text = `# trainlens: precision=fp16-mixed\n${MIRROR.replace('sequence_len: 2048\n', '').replace('bf16: auto\n', '')}`;
    const a = analyse({ 'qlora.yml': text }, 'qlora.yml', { assume: { seq_len: '4096' } });
    expect(a.job).toBeNull();
    expect(a.values.precision).toMatchObject({ value: 'fp16-mixed', status: 'known', reason: '# trainlens: comment' });
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'assumed' });
    expect(a.values.seq_len).toMatchObject({ value: 4096, status: 'known', reason: 'trainlens.assume setting' });
  });
});

describe('FSDP in an axolotl config', () => {
  const LEGACY = `base_model: meta-llama/Llama-3.1-8B
micro_batch_size: 1
sequence_len: 4096
bf16: true
fsdp:
  - full_shard
  - auto_wrap
fsdp_config:
  fsdp_offload_params: true
  fsdp_state_dict_type: FULL_STATE_DICT
`;

  it('the legacy list and fsdp_-prefixed keys: FULL_SHARD with CPU offload, at the fsdp line; half weights over an fp32 master copy', () => {
    const a = analyse({ 'fsdp.yml': LEGACY }, 'fsdp.yml');
    expect(a.job!.fsdp).toEqual({ strategy: 'FULL_SHARD', cpu_offload: true });
    expect(a.values.fsdp).toMatchObject({ status: 'known', source: { range: { start: { line: lineOf(LEGACY, 'fsdp:') } } } });
    expect(a.job!.amp_style).toBe('master_weights');
    expect(a.values.amp_style).toMatchObject({ value: 'master_weights', status: 'known' });
    expect(a.values.amp_style!.reason).toContain('FSDP MixedPrecision');
  });

  it('FSDP2 names: reshard_after_forward false is SHARD_GRAD_OP, activation_checkpointing turns checkpointing on', () => {
    const text = `base_model: meta-llama/Llama-3.1-8B\nbf16: true\nfsdp_version: 2\nfsdp_config:\n  offload_params: false\n  reshard_after_forward: false\n  activation_checkpointing: true\n`;
    const a = analyse({ 'fsdp2.yml': text }, 'fsdp2.yml');
    expect(a.job!.fsdp).toEqual({ strategy: 'SHARD_GRAD_OP', cpu_offload: false });
    expect(a.values.fsdp!.source!.range.start.line).toBe(lineOf(text, 'reshard_after_forward'));
    expect(a.job!.grad_checkpointing).toBe(true);
    expect(a.values.grad_checkpointing).toMatchObject({ value: true, status: 'known', source: { range: { start: { line: lineOf(text, 'activation_checkpointing') } } } });
  });

  it('reads the option list as TrainingArguments does, and a strategy by name or number', () => {
    expect(trainerFsdp(readYamlMap('fsdp: "shard_grad_op offload auto_wrap"\n'))?.value).toEqual({ strategy: 'SHARD_GRAD_OP', cpu_offload: true });
    expect(trainerFsdp(readYamlMap('fsdp:\n  - hybrid_shard\n'))?.value.strategy).toBe('HYBRID_SHARD');
    expect(trainerFsdp(readYamlMap('fsdp_config:\n  fsdp_sharding_strategy: 2\n'))?.value.strategy).toBe('SHARD_GRAD_OP');
    expect(trainerFsdp(readYamlMap('fsdp_config:\n  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP\n'))).toMatchObject({ value: { strategy: 'FULL_SHARD' }, reason: expect.stringContaining('default FULL_SHARD') });
    expect(trainerFsdp(readYamlMap('base_model: x\nfsdp:\n'))).toBeUndefined();
    // a word every object inherits is not a strategy
    expect(trainerFsdp(readYamlMap('fsdp: constructor offload\n'))?.value).toEqual({ strategy: 'FULL_SHARD', cpu_offload: true });
  });

  it('a DeepSpeed config wins over FSDP keys (the Trainer takes one engine)', () => {
    const a = analyse({ 'both.yml': `${LEGACY}deepspeed: zero2.json\n`, 'zero2.json': ZERO2 }, 'both.yml');
    expect(a.job!.zero?.stage).toBe(2);
    expect(a.job!.fsdp).toBeUndefined();
  });
});

describe('defaults of keys left out', () => {
  it('axolotl sequence_len defaults to 512, assumed; the newer `attention: flash` key is read', () => {
    const text = 'base_model: mistralai/Mistral-7B-v0.1\nmicro_batch_size: 2\nattention: flash\n';
    const a = analyse({ 'a.yml': text }, 'a.yml');
    expect(a.job!.seq_len).toBe(512);
    expect(a.values.seq_len).toMatchObject({ status: 'assumed', reason: expect.stringContaining('sequence_len=512') });
    expect(a.values.attention).toMatchObject({ value: 'flash', status: 'known' });
    // a value that only names an inherited property is no backend: the default stands
    const odd = analyse({ 'a.yml': text.replace('attention: flash', 'attention: constructor') }, 'a.yml');
    expect(odd.job!.attention).toBe('sdpa');
    expect(odd.values.attention).toMatchObject({ status: 'assumed' });
  });

  it('LLaMA-Factory without finetuning_type is LoRA (its default), assumed; pure_bf16 is pure bf16 weights', () => {
    const lora = analyse({ 'l.yaml': 'model_name_or_path: Qwen/Qwen2.5-7B\nstage: sft\nlora_rank: 16\nbf16: true\n' }, 'l.yaml');
    expect(lora.job!.peft).toMatchObject({ method: 'lora', r: 16, alpha: 32 });
    expect(lora.values.peft).toMatchObject({ status: 'assumed', reason: expect.stringContaining('default lora') });
    const full = analyse({ 'f.yaml': 'model_name_or_path: Qwen/Qwen2.5-7B\nfinetuning_type: full\npure_bf16: true\nbf16: true\n' }, 'f.yaml');
    expect(full.job!.peft).toBeNull();
    expect(full.job!.precision).toBe('bf16');
    expect(full.values.precision).toMatchObject({ value: 'bf16', status: 'known', reason: 'pure_bf16: true' });
    expect(full.values.amp_style).toMatchObject({ value: null });
  });
});

describe('DeepSpeed files with comments (DeepSpeed loads them with comments allowed)', () => {
  const COMMENTED = `{
  // ZeRO-3, optimizer states on NVMe
  "zero_optimization": { "stage": 3, "offload_optimizer": { "device": "nvme", "nvme_path": "/nvme" } }, /* filled by the Trainer */
  "bf16": { "enabled": "auto" }
}
`;

  it('are read from a trainer YAML', () => {
    const a = analyse({ 'ft.yml': 'base_model: meta-llama/Llama-3.1-8B\nbf16: true\ndeepspeed: ds.json\n', 'ds.json': COMMENTED }, 'ft.yml');
    expect(a.job!.zero).toMatchObject({ stage: 3, offload_optimizer: 'nvme' });
    expect(a.assumptions.join('\n')).not.toContain('not valid JSON');
  });

  it('are read through an accelerate config that names them', () => {
    const a = analyse({
      'train.py': 'from transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")\n',
      'run.sh': 'accelerate launch --config_file ds.yaml train.py\n',
      'ds.yaml': 'distributed_type: DEEPSPEED\nnum_processes: 4\ndeepspeed_config:\n  deepspeed_config_file: ds.json\n',
      'ds.json': COMMENTED,
    }, 'train.py');
    expect(a.job!.zero).toMatchObject({ stage: 3, offload_optimizer: 'nvme' });
  });
});
