/**
 * Published figures the sharding model must reproduce, each with its source:
 * - ZeRO paper (Rajbhandari et al. 2020, Sec. 5 / Figure 1): Ψ = 7.5B, K = 12, N_d = 64: model states 120 GB per
 *   GPU without partitioning, 31.4 GB with P_os, 16.6 GB with P_os+g, 1.9 GB with P_os+g+p (GB = 1e9 bytes).
 * - DeepSpeed's estimators (deepspeed/runtime/zero/stage_1_and_2.py estimate_zero2_model_states_mem_needs and
 *   stage3.py estimate_zero3_model_states_mem_needs, DeepSpeed master 2026-08): ZeRO-2 GPU 2Ψ + 18Ψ/N, or 2Ψ with
 *   CPU offload and Ψ·max(4N, 16)·1.5 host bytes per node; ZeRO-3 GPU 4·largest_layer + 18Ψ/N, 4·largest + 2Ψ/N
 *   with optimizer offload, 4·largest with parameter offload too, and 16Ψ·1.5 / 18Ψ·1.5 host bytes (zero_init).
 *   DeepSpeed's formulas leave out the per-tensor AdamW step counters (4 B per parameter tensor, a few KiB), so
 *   the comparison allows a relative 1e-6.
 * - Mistral AI, "Mixtral of experts" (2023): Mixtral 8x7B has 46.7B parameters, 12.9B used per token; memory holds
 *   all of them, one of 8 expert-parallel ranks one expert per layer.
 * - Korthikanti et al. 2022, Table 2: activation bytes per layer sbh(34 + 5as/h) without parallelism,
 *   sbh(10 + 24/t + 5as/(ht)) with tensor parallelism, sbh(34/t + 5as/(ht)) with sequence parallelism too; Sec.
 *   4.2.3: with 1F1B the first pipeline stage holds p micro-batches of L/p layers, i.e. L layers' worth.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { countParams } from '../../estimator/src/params';
import { tpLayerShare } from '../../estimator/src/sharding/activation-split';
import { parallelDegrees, rankParams, SINGLE, type RankParams } from '../../estimator/src/sharding/parallel';
import type { ReplicaStates } from '../../estimator/src/sharding/states';
import { zeroShare } from '../../estimator/src/sharding/zero';
import type { TrainingJob, ZeroConfig } from '../../estimator/src/types';
import { TEST_GPU } from './cases';

const NO_PARAMS: RankParams = { stage: 'only', layers: 1, base: 0, adapter: 0, per_layer: 0, root: 0, experts: 0, largest_module: 0, persistent: 0 };

describe('ZeRO paper, Figure 1: Ψ = 7.5B, K = 12, N_d = 64', () => {
  const psi = 7.5e9;
  // the paper's mixed-precision Adam: 2Ψ fp16 parameters, 2Ψ fp16 gradients, KΨ optimizer states (fp32 master included)
  const replica: ReplicaStates = {
    weights: 2 * psi, grads: 2 * psi, master_grads: 0, optimizer_states: 12 * psi, weight_bytes: 2, compute_bytes: 2, params: NO_PARAMS, expert_group: 64,
  };
  const modelStatesGB = (stage: ZeroConfig['stage']) => {
    const s = zeroShare({ stage, offload_optimizer: 'none', offload_param: 'none' }, replica, 64);
    return (s.weights + s.gradients + s.optimizer_states) / 1e9;
  };
  it.each([
    [0, 120],
    [1, 31.4],
    [2, 16.6],
    [3, 1.9],
  ] as const)('stage %i: %f GB', (stage, published) => {
    expect(Math.abs(modelStatesGB(stage) - published)).toBeLessThan(0.05);
  });
});

const llama7b: TrainingJob = {
  model: {
    id: 'meta-llama/Llama-2-7b-hf', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32,
    num_heads: 32, num_kv_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
  },
  micro_batch: 1, grad_accum: 1, seq_len: 512, precision: 'bf16-mixed', amp_style: 'master_weights', optimizer: 'adamw',
  grad_checkpointing: true, attention: 'flash', peft: null, gpus: 8,
};
const PSI = countParams(llama7b.model).total;
// DeepSpeed's model_to_params: the largest module's own parameters (embed_tokens and lm_head: 32000 × 4096)
const LARGEST = 32000 * 4096;

function zeroJob(zero: Partial<ZeroConfig>, gpus = 8) {
  const z: ZeroConfig = { stage: 2, offload_optimizer: 'none', offload_param: 'none', ...zero };
  return estimate({ ...llama7b, gpus, zero: z }, TEST_GPU);
}
const states = (e: ReturnType<typeof estimate>) => e.per_gpu.weights + e.per_gpu.gradients + e.per_gpu.optimizer_states;
const near = (actual: number, expected: number) => expect(Math.abs(actual / expected - 1)).toBeLessThan(1e-6);

describe('DeepSpeed estimate_zero2_model_states_mem_needs', () => {
  it.each([1, 4, 8, 64])('no offload, %i GPUs: 2Ψ + 18Ψ/N', (n) => {
    near(states(zeroJob({}, n)), 2 * PSI + (18 * PSI) / n);
  });
  it.each([1, 2, 4])('CPU offload, %i GPUs on a node: GPU 2Ψ, host Ψ·max(4N, 16)·1.5 per node', (n) => {
    const e = zeroJob({ offload_optimizer: 'cpu' }, n);
    near(states(e), 2 * PSI);
    near(e.host!.cpu_bytes * n * 1.5, PSI * Math.max(4 * n, 16) * 1.5);
  });
});

describe('DeepSpeed estimate_zero3_model_states_mem_needs', () => {
  // DeepSpeed's formula knows no prefetch bucket and no persistent small tensors: switch both off to compare
  const z3 = { stage: 3 as const, stage3_prefetch_bucket_size: 0, stage3_param_persistence_threshold: 0 };
  const withModule = (e: ReturnType<typeof estimate>) => states(e) + e.detail.zero3_live_params + e.detail.zero3_module_grads;
  it.each([8, 64])('no offload, %i GPUs: 4·largest + 18Ψ/N', (n) => {
    near(withModule(zeroJob(z3, n)), 4 * LARGEST + (18 * PSI) / n);
  });
  it('optimizer offload: 4·largest + 2Ψ/N on the GPU, 16Ψ·1.5 on the host (zero_init)', () => {
    const e = zeroJob({ ...z3, offload_optimizer: 'cpu' }, 8);
    near(withModule(e), 4 * LARGEST + (2 * PSI) / 8);
    near(e.host!.cpu_bytes * 8 * 1.5, PSI * 16 * 1.5);
  });
  it('optimizer and parameter offload: 4·largest on the GPU, 18Ψ·1.5 on the host (zero_init)', () => {
    const e = zeroJob({ ...z3, offload_optimizer: 'cpu', offload_param: 'cpu' }, 8);
    near(withModule(e), 4 * LARGEST);
    near(e.host!.cpu_bytes * 8 * 1.5, PSI * 18 * 1.5);
  });
});

describe('Korthikanti et al. 2022, Table 2 and Sec. 4.2.3', () => {
  const [s, b, h, a] = [2048, 1, 12288, 96]; // GPT-3 175B shapes (Table 3)
  const job: TrainingJob = { ...llama7b, seq_len: s, micro_batch: b, attention: 'eager', grad_checkpointing: false, model: { ...llama7b.model, hidden_size: h, num_heads: a, num_kv_heads: a } };
  const plain = s * b * h * (34 + (5 * a * s) / h);
  it.each([2, 4, 8])('tensor parallel t=%i: sbh(10 + 24/t + 5as/(ht))', (t) => {
    const share = tpLayerShare(job, { ...SINGLE, tp: t });
    expect(share * plain).toBeCloseTo(s * b * h * (10 + 24 / t + (5 * a * s) / (h * t)), 0);
  });
  it.each([2, 4, 8])('tensor + sequence parallel t=%i: sbh(34/t + 5as/(ht))', (t) => {
    const share = tpLayerShare(job, { ...SINGLE, tp: t, sp: true });
    expect(share * plain).toBeCloseTo(s * b * h * (34 / t + (5 * a * s) / (h * t)), 0);
  });
  it('selective recomputation with TP: sbh(10 + 24/t)', () => {
    const share = tpLayerShare({ ...job, grad_checkpointing: true, checkpointing_mode: 'selective' }, { ...SINGLE, tp: 8 });
    // the layer without its recomputed attention core keeps sbh·34 before the split
    expect(share * s * b * h * 34).toBeCloseTo(s * b * h * (10 + 24 / 8), 0);
  });
  it('1F1B: the first of p stages holds p micro-batches of L/p layers, L layers in all', () => {
    const job = { ...llama7b, grad_checkpointing: false, seq_len: 2048 };
    const one = estimate({ ...job, gpus: 1 }, TEST_GPU).detail.activations_layers;
    const e = estimate({ ...job, gpus: 4, parallel: { tensor: 1, pipeline: 4, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b', pipeline_micro_batches: 8 } }, TEST_GPU);
    expect(e.parallel?.stage).toBe('first');
    expect(e.parallel?.micro_batches_in_flight).toBe(4);
    expect(e.parallel!.micro_batches_in_flight * e.detail.activations_per_micro_batch - e.detail.activations_embed * 4).toBeCloseTo(one, -1);
  });
});

describe('Mixtral 8x7B: 46.7B parameters, 12.9B active', () => {
  const mixtral: TrainingJob['model'] = {
    id: 'mistralai/Mixtral-8x7B-v0.1', family: 'llama', hidden_size: 4096, intermediate_size: 14336, num_layers: 32,
    num_heads: 32, num_kv_heads: 8, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
    num_experts: 8, experts_per_token: 2,
  };
  const job: TrainingJob = { ...llama7b, model: mixtral, zero: { stage: 3, offload_optimizer: 'none', offload_param: 'none' } };
  it('memory holds every expert, compute counts the active ones', () => {
    const e = estimate(job, TEST_GPU);
    expect(Math.abs(e.params.total / 1e9 - 46.7)).toBeLessThan(0.05);
    expect(Math.abs(e.params.active! / 1e9 - 12.9)).toBeLessThan(0.05);
    expect(e.per_gpu.weights).toBeGreaterThan((2 * 46.6e9) / 8);
    expect(rankParams(mixtral, 0, SINGLE, 'only').base).toBe(e.params.total);
  });
  it('expert parallel over 8 ranks leaves one expert per layer on each', () => {
    const d = parallelDegrees({ ...job, parallel: { tensor: 1, pipeline: 1, sequence_parallel: false, expert: 8, pipeline_schedule: '1f1b', pipeline_micro_batches: 1 } }).degrees;
    const perExpert = 3 * 4096 * 14336;
    expect(rankParams(mixtral, 0, SINGLE, 'only').base - rankParams(mixtral, 0, d, 'only').base).toBe(32 * 7 * perExpert);
  });
});
