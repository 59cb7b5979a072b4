/**
 * Memory outside tensors the model owns: model buffers, the CUDA context, the caching allocator's slack, and
 * DDP's gradient buckets.
 */
import { headDim } from './params';
import type { PrecisionPlan } from './precision';
import type { ModelArch, StepTimeline } from './types';

const MiB = 2 ** 20;

/**
 * CUDA context (driver state, loaded kernels, cuBLAS/cuDNN handles) per process. PyTorch maintainers put it at
 * ~300-400 MB with CUDA ≥ 11.7 lazy module loading (pytorch/pytorch#107667, ptrblck 2023-08; #20532) and up to
 * ~1 GB before lazy loading; we take 512 MiB, the upper end plus cuBLAS workspaces.
 */
export const CUDA_CONTEXT_BYTES = 512 * MiB;

/**
 * Slack the caching allocator reserves beyond allocated bytes (c10/cuda/CUDACachingAllocator.cpp): every request is
 * rounded up to a multiple of 512 B (kMinBlockSize); requests up to 1 MiB are carved from 2 MiB segments
 * (kSmallBuffer), requests up to 10 MiB from 20 MiB segments (kLargeBuffer), larger ones rounded up to 2 MiB
 * (kRoundLarge); freed blocks stay cached and split, so at the peak reserved bytes exceed allocated ones by the
 * rounding plus the fragmentation of cached blocks. That depends on the order of allocations, not on byte totals,
 * so it is an assumed margin, not a derivation: 5% of allocated tensor bytes.
 */
export const ALLOCATOR_RESERVE_FRACTION = 0.05;

/** The allocator slack on top of `allocated` bytes of tensors. */
export function allocatorReserve(allocated: number): number {
  return Math.round(ALLOCATOR_RESERVE_FRACTION * allocated);
}

/**
 * The three figures PyTorch and the driver report, from the step timeline (sim/timeline.ts), which replays the
 * step's allocations through the caching-allocator model:
 * - peak_allocated: torch.cuda.max_memory_allocated(), live tensor bytes (512-byte rounded) at the peak;
 * - peak_reserved: torch.cuda.max_memory_reserved(), the segments the caching allocator holds;
 * - device_used: what nvidia-smi shows for the process, reserved plus the CUDA context.
 * The estimate's `total` stays the component sum with an assumed allocator margin (ALLOCATOR_RESERVE_FRACTION),
 * an upper bound that does not depend on the order of allocations.
 */
export function memoryPeaks(t: StepTimeline): { peak_allocated: number; peak_reserved: number; device_used: number } {
  return { peak_allocated: t.peak_allocated_bytes, peak_reserved: t.peak_reserved_bytes, device_used: t.peak_reserved_bytes + CUDA_CONTEXT_BYTES };
}

/**
 * Registered buffers. GPT-2 (transformers < 4.48 GPT2Attention): a bool causal mask `bias` of
 * n_positions² per layer and a 0-dim `masked_bias` in the model dtype (calibration buffer_bytes matches).
 * LLaMA: rotary inv_freq, head_dim/2 values in the model dtype. OPT: none.
 */
export function modelBufferBytes(arch: ModelArch, plan: PrecisionPlan): number {
  const dtypeBytes = plan.param === 'half' ? 2 : 4;
  if (arch.family === 'gpt2') return arch.num_layers * (arch.max_position_embeddings ** 2 + dtypeBytes);
  if (arch.family === 'llama') return (headDim(arch) / 2) * dtypeBytes;
  return 0;
}

/**
 * DistributedDataParallel copies gradients into flat all-reduce buckets (bucket_cap_mb=25 each, covering every
 * trainable parameter) unless gradient_as_bucket_view=True; torch DDP docs: gradient_as_bucket_view "can reduce
 * peak memory usage, where the saved memory size will be equal to the total gradients size". So plain DDP
 * (data-parallel size > 1) holds one more buffer the size of the gradients in the parameters' dtype.
 */
export function ddpBucketBytes(dataParallel: number, gradientBytes: number): number {
  return dataParallel > 1 ? gradientBytes : 0;
}
