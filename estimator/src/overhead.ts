/**
 * Memory outside tensors the model owns: model buffers, the CUDA context, the caching allocator's slack, and
 * DDP's gradient buckets.
 */
import { headDim } from './params';
import type { PrecisionPlan } from './precision';
import type { ModelArch, TrainingJob } from './types';

const MiB = 2 ** 20;

/**
 * CUDA context (driver state, loaded kernels, cuBLAS/cuDNN handles) per process. PyTorch maintainers put it at
 * ~300-400 MB with CUDA ≥ 11.7 lazy module loading (pytorch/pytorch#107667, ptrblck 2023-08; #20532) and up to
 * ~1 GB before lazy loading; we take 512 MiB, the upper end plus cuBLAS workspaces.
 */
export const CUDA_CONTEXT_BYTES = 512 * MiB;

/**
 * Slack the caching allocator reserves beyond allocated bytes (block rounding to 2 MiB / 20 MiB segments and
 * fragmentation, c10/cuda/CUDACachingAllocator.cpp). An assumed margin, not a measurement: 5% of tensor bytes.
 */
export const ALLOCATOR_RESERVE_FRACTION = 0.05;

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
 * (gpus > 1) holds one more gradient-sized buffer.
 */
export function ddpBucketBytes(job: TrainingJob, gradientBytes: number): number {
  return job.gpus > 1 ? gradientBytes : 0;
}
