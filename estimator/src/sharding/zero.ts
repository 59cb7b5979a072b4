/**
 * DeepSpeed ZeRO: what each GPU keeps of the model states when they are partitioned over the N_d data-parallel
 * ranks, what offload moves to the host, and the buffers the stage adds.
 *
 * Partitioning (Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models",
 * Sec. 5.1-5.3 and Figure 1): stage 1 (P_os) partitions the optimizer states, with mixed precision the fp32 master
 * weights among them (K = 12 bytes per parameter for Adam); stage 2 (P_os+g) also the gradients; stage 3
 * (P_os+g+p) also the parameters. DeepSpeed keeps an fp32 gradient for the partition it updates
 * (deepspeed/runtime/zero/stage_1_and_2.py: `single_partition_of_fp32_groups[i].grad`; stage3.py
 * `fp32_partitioned_groups_flat[i].grad`), so the master-gradient copy is partitioned from stage 1 on, as in
 * DeepSpeed's own estimate_zero2_model_states_mem_needs (2Ψ + 18Ψ/N without offload); stage 3 holds the 16-bit
 * or the fp32 gradient partition, not both (see zeroShare), as in estimate_zero3_model_states_mem_needs (18Ψ/N).
 *
 * Buffers at the backward peak, with DeepSpeed's defaults (deepspeed/runtime/zero/config.py):
 * - stages 1-2 with contiguous_gradients (default true; forced on by offload): an ipg buffer of
 *   reduce_bucket_size (5e8) elements in the gradients' dtype, two when overlap_comm (default false below stage 3)
 *   (stage_1_and_2.py backward_prologue);
 * - stage 3: one reduce buffer of reduce_bucket_size elements per gradient dtype (stage3.py `ipg_buckets`); the
 *   parameters of the module being computed gathered whole, plus up to stage3_prefetch_bucket_size (5e7) elements
 *   prefetched, capped by stage3_max_live_parameters (1e9); the gradient of the module being back-propagated before
 *   it is reduced. DeepSpeed's estimate_zero3_model_states_mem_needs counts the module as 4 bytes per parameter of
 *   the largest layer (16-bit parameter and gradient), which our gathered-module + module-gradient terms reproduce.
 *   Tensors smaller than stage3_param_persistence_threshold (1e5 elements) are never partitioned.
 * - allgather_bucket_size and stage 0's flattened all-reduce buffers (engine.py buffered_allreduce_fallback) are
 *   used after backward, when activations are freed, so they are not part of the peak.
 *
 * Offload (Ren et al. 2021, "ZeRO-Offload"; Rajbhandari et al. 2021, "ZeRO-Infinity"): offload_optimizer moves the
 * optimizer states, fp32 master weights and fp32 gradients of the rank's partition to CPU (or NVMe for the states);
 * with stage 2 the 16-bit gradients leave the GPU bucket by bucket. offload_param (stage 3 only; DeepSpeed ignores
 * it below stage 3) moves the 16-bit parameter partition; with NVMe, CPU keeps buffer_count (5) × buffer_size (1e8)
 * elements of pinned swap buffers (deepspeed/runtime/zero/offload_config.py, swap_tensor/partitioned_param_swapper.py).
 */
import type { ZeroConfig } from '../types';
import { shardOf, type DpShare, type ReplicaStates } from './states';

/** DeepSpeed defaults, in elements (deepspeed/runtime/zero/config.py, offload_config.py). */
export const ZERO_DEFAULTS = {
  reduce_bucket_size: 5e8,
  stage3_prefetch_bucket_size: 5e7,
  stage3_max_live_parameters: 1e9,
  stage3_param_persistence_threshold: 1e5,
  param_swap_buffer_count: 5,
  param_swap_buffer_size: 1e8,
} as const;

export function zeroShare(z: ZeroConfig, s: ReplicaStates, dp: number): DpShare {
  const notes: string[] = [];
  const n = Math.max(1, dp);
  const stage = z.stage;
  const part = (bytes: number, from: number) => (stage >= from ? shardOf(bytes, s, n) : bytes);
  const offOpt = stage >= 1 && z.offload_optimizer !== 'none';
  const offParam = stage === 3 && z.offload_param !== 'none';
  if (z.offload_param !== 'none' && stage < 3) notes.push('ZeRO offload_param only applies to stage 3; DeepSpeed ignores it here.');
  if (z.offload_optimizer !== 'none' && stage === 0) notes.push('ZeRO offload_optimizer needs stage ≥ 1; ignored at stage 0.');

  const optimizer = part(s.optimizer_states, 1);
  // stage 3 keeps only the 16-bit gradient partition through backward and replaces it by the fp32 one at the
  // step (stage3.py _prepare_fp32_grad_for_sub_group flattens, then releases the 16-bit gradients): the larger of
  // the two is held, as in DeepSpeed's own 18Ψ/N
  const masterGrads = stage === 3 && !offOpt ? shardOf(Math.max(0, s.master_grads - s.grads), s, n) : part(s.master_grads, 1);
  const gradBytes = s.weight_bytes;
  const persistentBytes = stage === 3 ? s.params.persistent * s.weight_bytes : 0;
  const weightsShard = stage === 3 ? shardOf(s.weights - persistentBytes, s, n) + persistentBytes : s.weights;
  // with offload, stage 2 moves each reduced 16-bit gradient partition to the host at once
  const halfGrads = offOpt && stage >= 2 ? 0 : part(s.grads, 2);

  const bucketElems = z.reduce_bucket_size ?? ZERO_DEFAULTS.reduce_bucket_size;
  const overlap = z.overlap_comm ?? stage === 3;
  const contiguous = (z.contiguous_gradients ?? true) || offOpt;
  let reduceBucket = 0;
  if (stage === 3) reduceBucket = bucketElems * gradBytes;
  else if (stage >= 1 && contiguous) reduceBucket = bucketElems * gradBytes * (overlap ? 2 : 1);

  let liveParams = 0;
  let moduleGrads = 0;
  if (stage === 3) {
    const prefetch = z.stage3_prefetch_bucket_size ?? ZERO_DEFAULTS.stage3_prefetch_bucket_size;
    const maxLive = z.stage3_max_live_parameters ?? ZERO_DEFAULTS.stage3_max_live_parameters;
    liveParams = Math.min(maxLive, s.params.largest_module + prefetch) * s.weight_bytes;
    moduleGrads = s.params.largest_module * gradBytes;
  }
  const paramSwap = offParam && z.offload_param === 'nvme' ? ZERO_DEFAULTS.param_swap_buffer_count * ZERO_DEFAULTS.param_swap_buffer_size * s.weight_bytes : 0;

  const host = { cpu_bytes: paramSwap, nvme_bytes: 0 };
  if (offOpt) {
    // the partition's gradients are reduced into an fp32 CPU buffer (the master gradient when there is one);
    // NVMe takes the optimizer states, the gradients stay in CPU memory
    const grads = s.master_grads > 0 ? masterGrads : shardOf(s.grads, s, n);
    host.cpu_bytes += grads + (z.offload_optimizer === 'cpu' ? optimizer : 0);
    host.nvme_bytes += z.offload_optimizer === 'nvme' ? optimizer : 0;
  }
  if (offParam) host[z.offload_param === 'nvme' ? 'nvme_bytes' : 'cpu_bytes'] += weightsShard - persistentBytes;
  if (z.offload_optimizer === 'nvme' && offOpt) notes.push('ZeRO-Infinity NVMe optimizer swap buffers in CPU memory are not counted.');
  return {
    weights: offParam ? persistentBytes : weightsShard,
    gradients: halfGrads + (offOpt ? 0 : masterGrads),
    optimizer_states: offOpt ? 0 : optimizer,
    buffers: reduceBucket + liveParams + moduleGrads,
    host,
    shard_size: stage >= 1 ? n : 1,
    detail: {
      zero_reduce_bucket: reduceBucket,
      zero3_live_params: liveParams,
      zero3_module_grads: moduleGrads,
      zero3_persistent_params: persistentBytes,
    },
    notes,
  };
}
