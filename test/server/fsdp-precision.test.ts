/** FSDP mixed-precision policies and DeepSpeed's precision when its config cannot be read. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const HEAD = `import torch
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP, MixedPrecision, ShardingStrategy
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
`;

function analyze(script: string) {
  return analyzeFile(analyzer, writeWorkspace({ 'train.py': script }), 'train.py');
}

describe('FSDP MixedPrecision', () => {
  it('a policy held by a variable: param_dtype bf16 → bf16-mixed, pointing at the argument', () => {
    const a = analyze(`${HEAD}policy = MixedPrecision(param_dtype=torch.bfloat16, reduce_dtype=torch.float32, buffer_dtype=torch.bfloat16)\nmodel = FSDP(model, sharding_strategy=ShardingStrategy.FULL_SHARD, mixed_precision=policy)\n`);
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', fsdp: { strategy: 'FULL_SHARD' } });
    expect(a.values.precision).toMatchObject({ status: 'known', source: { range: { start: { line: 5 } } } });
    expect(a.values.precision!.reason).toContain('policy = MixedPrecision(param_dtype=torch.bfloat16) at line 5');
    expect(a.anchors.some((x) => x.field === 'precision' && x.range.start.line === 5)).toBe(true);
  });

  it('an inline fp16 policy → fp16-mixed with loss scaling', () => {
    const a = analyze(`${HEAD}model = FSDP(model, mixed_precision=MixedPrecision(param_dtype=torch.float16))\nscaler = ShardedGradScaler()\n`);
    expect(a.job).toMatchObject({ precision: 'fp16-mixed', grad_scaler: true });
  });

  it('a policy that keeps fp32 parameters, or one built elsewhere, says nothing about precision', () => {
    expect(analyze(`${HEAD}model = FSDP(model, mixed_precision=MixedPrecision(reduce_dtype=torch.bfloat16))\n`).values.precision).toMatchObject({ value: 'fp32', status: 'assumed' });
    expect(analyze(`${HEAD}from policies import get_policies\nmp, wrap = get_policies(cfg)\nmodel = FSDP(model, mixed_precision=mp)\n`).values.precision).toMatchObject({ value: 'fp32', status: 'assumed' });
  });

  it('weights loaded in bf16 stay pure bf16 under a bf16 policy', () => {
    const a = analyze(HEAD.replace('"meta-llama/Llama-2-7b-hf")', '"meta-llama/Llama-2-7b-hf", torch_dtype=torch.bfloat16)') + 'model = FSDP(model, mixed_precision=MixedPrecision(param_dtype=torch.bfloat16))\n');
    expect(a.job!.precision).toBe('bf16');
  });

  it('FSDP2 fully_shard: mp_policy, reshard_after_forward=False (SHARD_GRAD_OP) and CPUOffloadPolicy', () => {
    const a = analyze(`${HEAD}from torch.distributed.fsdp import fully_shard, MixedPrecisionPolicy, CPUOffloadPolicy\nmp = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)\nfully_shard(model, mp_policy=mp, reshard_after_forward=False, offload_policy=CPUOffloadPolicy())\n`);
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', fsdp: { strategy: 'SHARD_GRAD_OP', cpu_offload: true } });
    expect(analyze(`${HEAD}from torch.distributed.fsdp import fully_shard\nfully_shard(model)\n`).job!.fsdp).toEqual({ strategy: 'FULL_SHARD', cpu_offload: false });
  });
});

describe('DeepSpeed precision', () => {
  it('a config named but outside the workspace: bf16=True still means DeepSpeed master weights', () => {
    const a = analyze(`from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nargs = TrainingArguments(bf16=True, deepspeed="/shared/ds.json")\n`);
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'master_weights' });
    expect(a.values.precision!.reason).toContain('DeepSpeed (config not read)');
  });
});
