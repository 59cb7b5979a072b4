/**
 * Published figures the estimator is checked against: each names its source, the figure as published, how
 * the estimator computes the same quantity, and the tolerance its test allows. docs/accuracy.md lists them
 * (scripts/accuracy.ts) and test/estimator/accuracy.test.ts asserts each.
 */
import { findGpu, findModel } from '../estimator/src/catalog';
import { computeEstimate } from '../estimator/src/compute';
import { activeParams } from '../estimator/src/flops';
import { kvBytesPerToken } from '../estimator/src/inference';
import type { Gpu, ModelArch, TrainingJob } from '../estimator/src/types';

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

export const PUBLISHED_CHECKS: PublishedCheck[] = [
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
