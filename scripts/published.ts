/**
 * Published figures the estimator is checked against: each names its source, the figure as published, how
 * the estimator computes the same quantity, and the tolerance its test allows. docs/accuracy.md lists them
 * (scripts/accuracy.ts) and test/estimator/accuracy.test.ts asserts each.
 */
import { findGpu, findModel } from '../estimator/src/catalog';
import { computeEstimate } from '../estimator/src/compute';
import { estimate } from '../estimator/src/estimate';
import { activeParams } from '../estimator/src/flops';
import { kvBytesPerToken } from '../estimator/src/inference';
import { countParams } from '../estimator/src/params';
import { quantizedLinearBytes } from '../estimator/src/quantization';
import type { RankParams } from '../estimator/src/sharding/parallel';
import { zeroShare } from '../estimator/src/sharding/zero';
import type { Gpu, ModelArch, QuantizationConfig, TrainingJob, ZeroConfig } from '../estimator/src/types';
import { TEST_GPU } from '../test/estimator/cases';
import { llama65b, llama7b } from '../test/estimator/models';

export interface PublishedCheck {
  name: string;
  source: string;
  published: number;
  estimate: () => number;
  /** Largest |relative error| the test accepts; null: shown in the report, not asserted (a known gap). */
  tolerance: number | null;
  /** How to print the two figures (default: an integer with separators). */
  format?: (n: number) => string;
}

const billions = (n: number) => `${(n / 1e9).toFixed(2)} B`;
const gigabytes = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
const ratio = (n: number) => n.toFixed(3);
const hours = (n: number) => `${Math.round(n).toLocaleString('en-US')} h`;
const flops = (n: number) => `${n.toExponential(3).replace('e+', ' × 10^')} FLOPs`;

function model(id: string): ModelArch {
  const m = findModel(id);
  if (!m) throw new Error(`published checks: ${id} is not in the model catalog`);
  return m;
}

function gpu(id: string): Gpu {
  const g = findGpu(id);
  if (!g) throw new Error(`published checks: ${id} is not in the GPU catalog`);
  return g;
}

/** A pretraining run as one optimizer step of `batchTokens` repeated over `tokens`, bf16 mixed precision. */
function pretraining(arch: ModelArch, seq: number, batchTokens: number, tokens: number): TrainingJob {
  return {
    model: arch, micro_batch: batchTokens / seq, grad_accum: 1, seq_len: seq, precision: 'bf16-mixed',
    amp_style: 'master_weights', optimizer: 'adamw', grad_checkpointing: false, attention: 'flash', peft: null,
    gpus: 1, total_steps: tokens / batchTokens,
  };
}

/** GPU hours of a pretraining run at the default utilization: total time on one GPU. */
function gpuHours(arch: ModelArch, card: Gpu, seq: number, batchTokens: number, tokens: number): number {
  return computeEstimate(pretraining(arch, seq, batchTokens, tokens), card).total_time_s! / 3600;
}

/**
 * GPT-3 175B (Brown et al. 2020, "Language Models are Few-Shot Learners", Table 2.1): 96 layers, d_model 12288,
 * 96 heads of 128, context 2048, GPT-2's tokenizer (vocabulary 50257) and layout (ffn 4·d_model, tied embedding).
 */
const GPT3_175B: ModelArch = {
  id: 'gpt3-175b', family: 'gpt2', hidden_size: 12288, intermediate_size: 4 * 12288, num_layers: 96, num_heads: 96,
  num_kv_heads: 96, vocab_size: 50257, max_position_embeddings: 2048, tie_word_embeddings: true,
  source: 'Brown et al. 2020, Table 2.1',
};

/** Mixtral 8x7B config.json (mistralai/Mixtral-8x7B-v0.1): Mistral-7B layers with 8 experts of width 14336, top 2. */
const MIXTRAL_8X7B: ModelArch = {
  id: 'mistralai/Mixtral-8x7B-v0.1', family: 'llama', hidden_size: 4096, intermediate_size: 14336, num_layers: 32,
  num_heads: 32, num_kv_heads: 8, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
  num_experts: 8, experts_per_token: 2,
};

/**
 * The ZeRO paper's accounting (Rajbhandari et al. 2020, Sec. 5, Figure 1): Ψ = 7.5B parameters, 2Ψ fp16
 * parameters, 2Ψ fp16 gradients, KΨ = 12Ψ optimizer states (fp32 master copy included), N_d = 64 GPUs; model
 * states per GPU at each stage, in GB (1e9 bytes).
 */
function zeroPaperStates(stage: ZeroConfig['stage']): number {
  const psi = 7.5e9;
  const params: RankParams = { stage: 'only', layers: 1, base: psi, adapter: 0, per_layer: 0, root: 0, experts: 0, largest_module: 0, persistent: 0 };
  const replica = { weights: 2 * psi, grads: 2 * psi, master_grads: 0, optimizer_states: 12 * psi, weight_bytes: 2, compute_bytes: 2, params, expert_group: 64 };
  const s = zeroShare({ stage, offload_optimizer: 'none', offload_param: 'none' }, replica, 64);
  return s.weights + s.gradients + s.optimizer_states;
}

/** Model states per GPU (weights, gradients, optimizer states) of Llama-2-7B under ZeRO on `gpus` GPUs. */
function llama7bZeroStates(zero: ZeroConfig, gpus: number): number {
  const job: TrainingJob = {
    model: llama7b, micro_batch: 1, grad_accum: 1, seq_len: 512, precision: 'bf16-mixed', amp_style: 'master_weights',
    optimizer: 'adamw', grad_checkpointing: true, attention: 'flash', peft: null, gpus, zero,
  };
  const e = estimate(job, TEST_GPU);
  const live = zero.stage === 3 ? e.detail.zero3_live_params + e.detail.zero3_module_grads : 0;
  return e.per_gpu.weights + e.per_gpu.gradients + e.per_gpu.optimizer_states + live;
}

const nf4 = (double_quant: boolean): QuantizationConfig => ({ method: 'nf4', bits: 4, double_quant, compute_dtype: 'bf16', kbit_prepared: false });

/** Quantization constants of the QLoRA paper's LLaMA-65B, with and without double quantization. */
function qloraConstants(double_quant: boolean): number {
  const job: TrainingJob = {
    model: llama65b, micro_batch: 1, grad_accum: 1, seq_len: 512, precision: 'bf16', amp_style: 'autocast',
    optimizer: 'adamw', grad_checkpointing: true, attention: 'sdpa', peft: null, gpus: 1, quantization: nf4(double_quant),
  };
  return estimate(job, TEST_GPU).detail.quant_constants_bytes;
}

/** Optimizer-state bytes of Llama-2-7B with `optimizer` in fp32. */
function optimizerStates(optimizer: TrainingJob['optimizer']): number {
  const job: TrainingJob = {
    model: llama7b, micro_batch: 1, grad_accum: 1, seq_len: 512, precision: 'fp32', amp_style: 'autocast', optimizer,
    grad_checkpointing: true, attention: 'sdpa', peft: null, gpus: 1,
  };
  return estimate(job, TEST_GPU).per_gpu.optimizer_states;
}

const PSI_7B = countParams(llama7b).total;
const LLAMA7B_LARGEST = 32000 * 4096;
const ZERO_OFF = { offload_optimizer: 'none', offload_param: 'none' } as const;

export const PUBLISHED_CHECKS: PublishedCheck[] = [
  ...([[0, 120e9], [1, 31.4e9], [2, 16.6e9], [3, 1.9e9]] as const).map(([stage, published]): PublishedCheck => ({
    name: `ZeRO stage ${stage}: model states per GPU, Ψ = 7.5B, 64 GPUs`,
    source: `Rajbhandari et al. 2020, "ZeRO", Figure 1: ${published / 1e9} GB`,
    published,
    estimate: () => zeroPaperStates(stage),
    tolerance: 0.02,
    format: gigabytes,
  })),
  {
    name: 'ZeRO-2, Llama-2-7B on 8 GPUs: model states per GPU',
    source: 'DeepSpeed estimate_zero2_model_states_mem_needs: 2Ψ + 18Ψ/N (deepspeed/runtime/zero/stage_1_and_2.py)',
    published: 2 * PSI_7B + (18 * PSI_7B) / 8,
    estimate: () => llama7bZeroStates({ stage: 2, ...ZERO_OFF }, 8),
    tolerance: 1e-6,
    format: gigabytes,
  },
  {
    name: 'ZeRO-3, Llama-2-7B on 8 GPUs: model states per GPU (no prefetch, no persistence)',
    source: 'DeepSpeed estimate_zero3_model_states_mem_needs: 4·largest layer + 18Ψ/N (deepspeed/runtime/zero/stage3.py)',
    published: 4 * LLAMA7B_LARGEST + (18 * PSI_7B) / 8,
    estimate: () => llama7bZeroStates({ stage: 3, ...ZERO_OFF, stage3_prefetch_bucket_size: 0, stage3_param_persistence_threshold: 0 }, 8),
    tolerance: 1e-6,
    format: gigabytes,
  },
  {
    name: 'QLoRA: double quantization saving on LLaMA-65B',
    source: 'Dettmers et al. 2023, "QLoRA", Sec. 3: 0.373 bit/param, "about 3 GB for a 65B model"',
    published: 3e9,
    estimate: () => qloraConstants(false) - qloraConstants(true),
    tolerance: 0.05,
    format: gigabytes,
  },
  {
    name: 'LLM.int8 weight bytes / fp16 weight bytes (4096 × 11008 linear)',
    source: 'Dettmers et al. 2022, "LLM.int8()", abstract: halves inference memory',
    published: 0.5,
    estimate: () => {
      const b = quantizedLinearBytes({ ...nf4(false), method: 'int8', bits: 8 }, { in: 4096, out: 11008 });
      return (b.data + b.constants) / (2 * 4096 * 11008);
    },
    tolerance: 0.01,
    format: ratio,
  },
  {
    name: '8-bit AdamW states / 32-bit AdamW states, Llama-2-7B',
    source: 'Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization", abstract: 75% less memory',
    published: 0.25,
    estimate: () => optimizerStates('adamw_8bit') / optimizerStates('adamw'),
    tolerance: 0.05,
    format: ratio,
  },
  {
    name: 'Mixtral 8x7B total parameters',
    source: 'Mistral AI, "Mixtral of experts" (2023-12-11): 46.7B',
    published: 46.7e9,
    estimate: () => countParams(MIXTRAL_8X7B).total,
    tolerance: 0.01,
    format: billions,
  },
  {
    name: 'GPT-3 175B training compute (300B tokens)',
    source: 'Brown et al. 2020, Table D.1: 3.14E+23 FLOPs (6ND; their App. D leaves attention out, ours adds it)',
    published: 3.14e23,
    estimate: () => computeEstimate(pretraining(GPT3_175B, 2048, 2048 * 1536, 300e9), gpu('A100-80GB')).total_model_flops!,
    tolerance: 0.05,
    format: flops,
  },
  {
    name: 'Llama 2 7B pretraining GPU hours (2T tokens, A100-80GB)',
    source: 'Touvron et al. 2023, "Llama 2", Table 2: 184,320 GPU hours; at our default 40% utilization',
    published: 184_320,
    estimate: () => gpuHours(model('meta-llama/Llama-2-7b-hf'), gpu('A100-80GB'), 4096, 4 * 2 ** 20, 2e12),
    tolerance: 0.2,
    format: hours,
  },
  {
    name: 'Llama 2 13B pretraining GPU hours',
    source: 'Touvron et al. 2023, Table 2: 368,640 GPU hours',
    published: 368_640,
    estimate: () => gpuHours(model('meta-llama/Llama-2-13b-hf'), gpu('A100-80GB'), 4096, 4 * 2 ** 20, 2e12),
    tolerance: 0.2,
    format: hours,
  },
  {
    name: 'Llama 2 70B pretraining GPU hours',
    source: 'Touvron et al. 2023, Table 2: 1,720,320 GPU hours',
    published: 1_720_320,
    estimate: () => gpuHours(model('meta-llama/Llama-2-70b-hf'), gpu('A100-80GB'), 4096, 4 * 2 ** 20, 2e12),
    tolerance: 0.2,
    format: hours,
  },
  {
    name: 'Llama 3 8B pretraining GPU hours (15T tokens, H100-80GB)',
    source: 'Meta Llama 3 model card (meta-llama/llama3 MODEL_CARD.md), Training Factors: 1.3M GPU hours',
    published: 1.3e6,
    estimate: () => gpuHours(model('meta-llama/Meta-Llama-3-8B'), gpu('H100-SXM-80GB'), 8192, 4 * 2 ** 20, 15e12),
    tolerance: null,
    format: hours,
  },
  {
    name: 'Llama 3 70B pretraining GPU hours',
    source: 'Meta Llama 3 model card, Training Factors: 6.4M GPU hours',
    published: 6.4e6,
    estimate: () => gpuHours(model('meta-llama/Meta-Llama-3-70B'), gpu('H100-SXM-80GB'), 8192, 4 * 2 ** 20, 15e12),
    tolerance: null,
    format: hours,
  },
  {
    name: 'Mixtral 8x7B parameters used per token',
    source: 'Mistral AI, "Mixtral of experts" (2023-12-11): 12.9B of 46.7B',
    published: 12.9e9,
    estimate: () => activeParams(MIXTRAL_8X7B),
    tolerance: 0.01,
    format: billions,
  },
  {
    name: 'OPT-13B KV cache per token, fp16',
    source: 'Kwon et al. 2023, "vLLM / PagedAttention", Sec. 3: 2 × 5120 × 40 × 2 = 800 KB',
    published: 819_200,
    estimate: () => kvBytesPerToken(model('facebook/opt-13b'), { engine: 'hf', prompt_len: 1, max_new_tokens: 1, batch: 1, kv_cache_dtype: 'fp16' }),
    tolerance: 0,
  },
];
