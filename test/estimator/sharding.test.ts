import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { CUDA_CONTEXT_BYTES } from '../../estimator/src/overhead';
import { countParams } from '../../estimator/src/params';
import { parallelDegrees, rankParams, SINGLE } from '../../estimator/src/sharding/parallel';
import type { FsdpConfig, ModelArch, ParallelConfig, TrainingJob, ZeroConfig } from '../../estimator/src/types';
import { TEST_GPU } from './cases';

const llama7b: ModelArch = {
  id: 'meta-llama/Llama-2-7b-hf', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32,
  num_heads: 32, num_kv_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
};
const job: TrainingJob = {
  model: llama7b, micro_batch: 2, grad_accum: 4, seq_len: 2048, precision: 'bf16-mixed', amp_style: 'master_weights',
  optimizer: 'adamw', grad_checkpointing: false, attention: 'flash', peft: null, gpus: 8,
};
const est = (j: Partial<TrainingJob>) => estimate({ ...job, ...j }, TEST_GPU);
const zero = (z: Partial<ZeroConfig>): ZeroConfig => ({ stage: 2, offload_optimizer: 'none', offload_param: 'none', ...z });
const fsdp = (f: Partial<FsdpConfig>): FsdpConfig => ({ strategy: 'FULL_SHARD', cpu_offload: false, ...f });
const par = (p: Partial<ParallelConfig>): ParallelConfig => ({
  tensor: 1, pipeline: 1, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b', pipeline_micro_batches: 4, ...p,
});
const states = (e: ReturnType<typeof estimate>) => e.per_gpu.weights + e.per_gpu.gradients + e.per_gpu.optimizer_states;
const PSI = countParams(llama7b).total;

describe('peaks and fits', () => {
  it('peak_allocated ≤ peak_reserved (the step timeline) and device_used = reserved + the CUDA context', () => {
    for (const j of [{}, { zero: zero({ stage: 3 }) }, { gpus: 1 }]) {
      const e = est(j);
      const p = e.per_gpu;
      expect(p.peak_allocated).toBe(e.timeline!.peak_allocated_bytes);
      expect(p.peak_reserved).toBe(e.timeline!.peak_reserved_bytes);
      expect(p.peak_allocated!).toBeLessThanOrEqual(p.peak_reserved!);
      expect(p.device_used! - p.peak_reserved!).toBe(CUDA_CONTEXT_BYTES);
      expect(p.peak_allocated).toBeGreaterThan(states(e));
    }
  });
  it('fits: the component total and the step timeline both within capacity', () => {
    const big = est({ gpus: 1 });
    expect(big.fits).toBe(big.per_gpu.total <= TEST_GPU.memory_bytes && big.timeline!.oom_at === undefined);
    expect(big.fits).toBe(false);
    expect(est({ zero: zero({ stage: 3 }) }).fits).toBe(true);
  });
});

describe('data parallel: DDP, ZeRO, FSDP', () => {
  it('DDP replicates and adds a bucket the size of the 16-bit gradients', () => {
    const e = est({});
    expect(e.per_gpu.weights).toBe(2 * PSI);
    expect(e.detail.ddp_grad_buckets).toBe(2 * PSI);
    expect(est({ gpus: 1 }).detail.ddp_grad_buckets).toBe(0);
  });
  it('each ZeRO stage holds less than the one before; stage 0 holds what DDP holds', () => {
    const byStage = ([0, 1, 2, 3] as const).map((stage) => states(est({ zero: zero({ stage }) })));
    expect(byStage[0]).toBe(states(est({})));
    for (let i = 1; i < 4; i++) expect(byStage[i]).toBeLessThan(byStage[i - 1]);
  });
  it('ZeRO on one GPU partitions nothing; stage 3 still frees the 16-bit gradients for the fp32 ones at the step', () => {
    expect(states(est({ gpus: 1, zero: zero({ stage: 2 }) }))).toBe(states(est({ gpus: 1 })));
    expect(states(est({ gpus: 1 })) - states(est({ gpus: 1, zero: zero({ stage: 3 }) }))).toBe(2 * PSI);
  });
  it('ZeRO stage 2 reduce buffer: reduce_bucket_size 16-bit elements, doubled by overlap_comm', () => {
    expect(est({ zero: zero({}) }).detail.zero_reduce_bucket).toBe(5e8 * 2);
    expect(est({ zero: zero({ reduce_bucket_size: 2e8, overlap_comm: true }) }).detail.zero_reduce_bucket).toBe(2e8 * 2 * 2);
  });
  it('ZeRO-3 keeps tensors under the persistence threshold whole (RMSNorm weights of 4096)', () => {
    const e = est({ zero: zero({ stage: 3 }) });
    expect(e.detail.zero3_persistent_params).toBe(2 * (2 * 32 + 1) * 4096);
    expect(est({ zero: zero({ stage: 3, stage3_param_persistence_threshold: 0 }) }).detail.zero3_persistent_params).toBe(0);
  });
  it('offload moves states to the host; offload_param is ignored below stage 3 with a note', () => {
    const off = est({ zero: zero({ stage: 2, offload_optimizer: 'cpu', offload_param: 'cpu' }) });
    expect(off.per_gpu.optimizer_states).toBe(0);
    expect(off.host!.cpu_bytes).toBeGreaterThan(0);
    expect(off.per_gpu.weights).toBe(2 * PSI);
    expect(off.notes.some((n) => n.includes('offload_param only applies to stage 3'))).toBe(true);
    const nvme = est({ zero: zero({ stage: 3, offload_optimizer: 'nvme', offload_param: 'nvme' }) });
    expect(nvme.host!.nvme_bytes).toBeGreaterThan(nvme.host!.cpu_bytes);
    expect(est({}).host).toEqual({ cpu_bytes: 0, nvme_bytes: 0 });
  });
  it('FSDP: FULL_SHARD < SHARD_GRAD_OP < NO_SHARD, and NO_SHARD holds the DDP states', () => {
    const full = est({ fsdp: fsdp({}) }).per_gpu.total;
    const grad = est({ fsdp: fsdp({ strategy: 'SHARD_GRAD_OP' }) }).per_gpu.total;
    const none = est({ fsdp: fsdp({ strategy: 'NO_SHARD' }) });
    expect(full).toBeLessThan(grad);
    expect(grad).toBeLessThan(none.per_gpu.total);
    expect(states(none)).toBe(states(est({})));
  });
  it('FSDP FULL_SHARD gathers the root unit and two layers in half precision, and one layer of gradients', () => {
    const e = est({ fsdp: fsdp({}), amp_style: 'autocast' });
    const layer = rankParams(llama7b, 0, SINGLE, 'only').per_layer;
    const root = 2 * 32000 * 4096 + 4096;
    expect(e.detail.fsdp_unsharded_params).toBe(2 * (root + 2 * layer));
    expect(e.detail.fsdp_unsharded_grads).toBe(2 * layer);
    expect(e.per_gpu.autocast_weight_copies).toBe(0);
  });
  it('HYBRID_SHARD over 32 GPUs with groups of 8 shards like FULL_SHARD on 8', () => {
    expect(states(est({ gpus: 32, fsdp: fsdp({ strategy: 'HYBRID_SHARD', shard_group_size: 8 }) }))).toBe(states(est({ fsdp: fsdp({}) })));
    expect(est({ gpus: 32, fsdp: fsdp({ strategy: 'HYBRID_SHARD' }) }).parallel?.shard_size).toBe(8);
  });
  it('FSDP CPU offload leaves only the units in flight on the GPU', () => {
    const e = est({ fsdp: fsdp({ cpu_offload: true }) });
    expect(states(e)).toBe(0);
    expect(e.host!.cpu_bytes).toBe(states(est({ fsdp: fsdp({}) })));
  });
});

describe('model parallel', () => {
  it('TP splits linears and embeddings, replicates norms', () => {
    const d = parallelDegrees({ ...job, parallel: par({ tensor: 2 }) }).degrees;
    const r = rankParams(llama7b, 0, d, 'only');
    const linears = 4 * 4096 * 4096 + 3 * 4096 * 11008;
    expect(r.base).toBe(32000 * 4096 + 4096 + 32 * (linears / 2 + 2 * 4096));
    expect(rankParams(llama7b, 0, SINGLE, 'only').base).toBe(PSI);
  });
  it('sequence parallelism splits what TP alone keeps whole', () => {
    const tp = est({ gpus: 8, parallel: par({ tensor: 8 }) }).per_gpu.activations;
    const sp = est({ gpus: 8, parallel: par({ tensor: 8, sequence_parallel: true }) }).per_gpu.activations;
    const one = est({ gpus: 1 }).per_gpu.activations;
    expect(sp).toBeLessThan(tp);
    expect(tp).toBeLessThan(one);
  });
  it('GPipe holds all micro-batches, 1F1B at most the stage count', () => {
    const gpipe = est({ gpus: 4, parallel: par({ pipeline: 4, pipeline_schedule: 'gpipe', pipeline_micro_batches: 16 }) });
    const f1b = est({ gpus: 4, parallel: par({ pipeline: 4, pipeline_micro_batches: 16 }) });
    expect(gpipe.parallel?.micro_batches_in_flight).toBe(16);
    expect(f1b.parallel?.micro_batches_in_flight).toBe(4);
    expect(f1b.per_gpu.activations).toBeLessThan(gpipe.per_gpu.activations);
    expect(f1b.parallel?.layers_on_stage).toBe(8);
  });
  it('the last stage keeps its own copy of tied embeddings', () => {
    const tied = { ...llama7b, tie_word_embeddings: true };
    const d = parallelDegrees({ ...job, model: tied, gpus: 2, parallel: par({ pipeline: 2 }) }).degrees;
    expect(rankParams(tied, 0, d, 'last').root).toBe(32000 * 4096 + 4096);
    expect(rankParams(tied, 0, d, 'first').root).toBe(32000 * 4096);
  });
  it('expert parallelism splits the experts, not the router', () => {
    const mixtral: ModelArch = { ...llama7b, intermediate_size: 14336, num_kv_heads: 8, num_experts: 8, experts_per_token: 2 };
    const d = parallelDegrees({ ...job, model: mixtral, parallel: par({ expert: 8 }) }).degrees;
    const all = rankParams(mixtral, 0, SINGLE, 'only');
    const one = rankParams(mixtral, 0, d, 'only');
    expect(all.per_layer - one.per_layer).toBe(7 * 3 * 4096 * 14336);
  });
  it('ZeRO shards expert states over data / expert ranks: EP=8 on 8 GPUs keeps what sharding 8 experts over 8 keeps', () => {
    const mixtral: ModelArch = { ...llama7b, intermediate_size: 14336, num_kv_heads: 8, num_experts: 8, experts_per_token: 2 };
    const j = { model: mixtral, zero: zero({ stage: 2 }) };
    const noEp = est(j);
    const ep8 = est({ ...j, parallel: par({ expert: 8 }) });
    expect(Math.abs(ep8.per_gpu.optimizer_states / noEp.per_gpu.optimizer_states - 1)).toBeLessThan(1e-9);
    expect(noEp.per_gpu.weights - ep8.per_gpu.weights).toBe(2 * 32 * 7 * 3 * 4096 * 14336);
  });
});

describe('batch and bad input', () => {
  it('effective batch = micro × accumulation × data parallel (pipeline micro-batches under PP)', () => {
    expect(est({}).parallel?.effective_batch).toBe(2 * 4 * 8);
    expect(est({ gpus: 16, parallel: par({ tensor: 2, pipeline: 2, pipeline_micro_batches: 8 }) }).parallel?.effective_batch).toBe(2 * 8 * 4);
  });
  it('inconsistent degrees give a note and a finite estimate', () => {
    for (const p of [par({ tensor: 4 }), par({ tensor: 0 }), par({ pipeline: Number.NaN }), par({ tensor: 3 }), par({ expert: 4 })]) {
      const e = est({ gpus: 6, parallel: p });
      expect(Number.isFinite(e.per_gpu.total)).toBe(true);
      expect(e.notes.length).toBeGreaterThan(2);
    }
  });
});
