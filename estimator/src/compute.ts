/**
 * Time and throughput of a job on its GPUs: FLOPs divided by what the GPUs deliver at an assumed utilization.
 *
 * time = hardware FLOPs / (GPUs × peak × utilization). The utilization applies to what the GPU executes
 * (hardware FLOPs, recomputation included), so checkpointing makes a step longer by the recomputed share and the
 * reported MFU (model FLOPs / (time × GPUs × peak), Chowdhery et al. 2022, "PaLM", Sec. 4.1 and App. B) drops
 * accordingly, as PaLM's own 46.2% MFU vs 57.8% HFU with rematerialization shows.
 */
import { inferenceFlops, tokensPerStep, trainingFlopsPerToken } from './flops';
import { parallelDegrees } from './sharding/parallel';
import type { ComputeEstimate, Gpu, TrainingJob } from './types';

/**
 * Default hardware FLOPs utilization, 0.40. Chowdhery et al. 2022 ("PaLM"), Table 3, reports model FLOPs
 * utilization of large training runs: GPT-3 21.3%, Gopher 32.5%, Megatron-Turing NLG 30.2%, PaLM 46.2% (57.8%
 * hardware FLOPs utilization); Narayanan et al. 2021 (Megatron-LM), Table 1, reaches 44-52% of A100 peak. 0.40
 * sits inside that range of well-tuned jobs; small single-GPU fine-tunes often run lower, so the time is a
 * lower bound for them.
 */
export const DEFAULT_UTILIZATION = 0.4;
/** Where the default comes from, in a phrase for hovers and reports. */
export const UTILIZATION_SOURCE = 'assumed; large training runs reach 21–46% MFU, Chowdhery et al. 2022 (PaLM), Table 3';

/**
 * The peak FLOP/s one GPU offers the job's matmuls. Half precisions (and autocast, and quantized weights
 * dequantized to a half compute dtype, as bitsandbytes/GPTQ kernels do) run on tensor cores at peak_half_tflops.
 * fp32 runs on CUDA cores at peak_fp32_tflops, unless TF32 is on: Ampere and later (the GPUs with bf16) run TF32
 * tensor-core matmuls at half their fp16 rate (NVIDIA A100 datasheet: TF32 156 vs FP16 312 TFLOPS dense; H100
 * SXM: 494.7 vs 989.4). PyTorch leaves TF32 matmuls off by default (torch.backends.cuda.matmul.allow_tf32 = False
 * since 1.12).
 */
export function peakFlops(job: TrainingJob, gpu: Gpu): number {
  const computeDtype = job.quantization?.compute_dtype;
  const fp32 = computeDtype ? computeDtype === 'fp32' : job.precision === 'fp32';
  if (!fp32) return gpu.peak_half_tflops * 1e12;
  if (job.tf32 && gpu.bf16) return (gpu.peak_half_tflops / 2) * 1e12;
  return gpu.peak_fp32_tflops * 1e12;
}

/**
 * Pipeline bubble: with p stages and m micro-batches per flush, GPipe and 1F1B both idle a fraction (p − 1)/m
 * of the ideal time (Narayanan et al. 2021, Sec. 2.2.1; Huang et al. 2019, "GPipe", Sec. 2.3).
 */
function bubbleFactor(job: TrainingJob): number {
  const d = parallelDegrees(job).degrees;
  return d.pp > 1 ? 1 + (d.pp - 1) / d.micro_batches : 1;
}

/**
 * Compute of one optimizer step (training) or one generate() call on the batch (inference), and of the whole
 * run when total_steps is known.
 */
export function computeEstimate(job: TrainingJob, gpu: Gpu, utilization = DEFAULT_UTILIZATION): ComputeEstimate {
  const d = parallelDegrees(job).degrees;
  const gpus = d.tp * d.pp * d.dp;
  const peak = peakFlops(job, gpu);
  let hardware: number;
  let model: number;
  let tokens: number;
  if (job.inference) {
    const inf = inferenceFlops(job);
    hardware = model = inf.per_call;
    tokens = inf.tokens;
  } else {
    const perToken = trainingFlopsPerToken(job);
    tokens = tokensPerStep(job);
    hardware = perToken.hardware * tokens;
    model = perToken.model * tokens;
  }
  // an empty job (no tokens) or a GPU without a peak figure gives zeros, never NaN or Infinity
  const per = (a: number, b: number) => (b > 0 ? a / b : 0);
  const stepTime = per(hardware, gpus * peak * utilization) * bubbleFactor(job);
  const out: ComputeEstimate = {
    flops_per_token: per(hardware, tokens),
    model_flops_per_token: per(model, tokens),
    tokens_per_step: tokens,
    mfu: per(model, stepTime * gpus * peak),
    hardware_utilization: utilization,
    peak_flops_per_gpu: peak,
    step_time_s: stepTime,
    tokens_per_s: per(tokens, stepTime),
  };
  if (job.total_steps !== undefined && job.total_steps > 0) {
    out.total_flops = hardware * job.total_steps;
    out.total_model_flops = model * job.total_steps;
    out.total_tokens = tokens * job.total_steps;
    out.total_time_s = stepTime * job.total_steps;
  }
  return out;
}
