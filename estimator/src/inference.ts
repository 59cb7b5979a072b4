/**
 * Memory of an inference job (job.inference): weights, the key/value cache, and the transient tensors of one
 * forward pass under no_grad; no gradients, no optimizer states, nothing saved for backward.
 *
 * Two engines:
 * - hf: transformers `generate()`. The KV cache grows as tokens are generated (DynamicCache appends each step's
 *   keys and values with torch.cat per layer: transformers/cache_utils.py DynamicCache.update). The largest
 *   transient is the prefill, one forward over the whole prompt; the decode steps are one token each.
 * - vllm: vLLM preallocates. At start it loads the weights, profiles one forward at its token budget, then turns
 *   gpu_memory_utilization × GPU memory, less what it has used, into KV-cache blocks of 16 tokens (vLLM docs,
 *   "Engine Arguments": gpu_memory_utilization "the fraction of GPU memory to be used for the model executor",
 *   default 0.9; block_size 16 on CUDA). So the process holds that fraction whatever the batch, and the job
 *   fails to start when one max_model_len sequence does not fit in the blocks ("The model's max seq len is
 *   larger than the maximum number of tokens that can be stored in KV cache").
 */
import { computeEstimate } from './compute';
import { flopsPerStep } from './flops';
import { allocatorReserve, CUDA_CONTEXT_BYTES, modelBufferBytes } from './overhead';
import { stateBytes } from './optimizer';
import { countParams, headDim, layerLinears } from './params';
import type { PrecisionPlan } from './precision';
import { quantizedLinearTransient } from './quantization';
import { parallelDegrees } from './sharding/parallel';
import type { Estimate, Gpu, InferenceConfig, ModelArch, TrainingJob } from './types';

const KV_DTYPE_BYTES: Record<InferenceConfig['kv_cache_dtype'], number> = { fp32: 4, fp16: 2, bf16: 2, fp8: 1 };

/** vLLM's default KV-cache block size on CUDA (tokens per block): vllm/config CacheConfig block_size = 16. */
export const VLLM_BLOCK_TOKENS = 16;
/** vLLM's default gpu_memory_utilization (vLLM docs, "Engine Arguments"). */
export const VLLM_DEFAULT_UTILIZATION = 0.9;
/**
 * vLLM's profiling run: one forward of max_num_batched_tokens tokens, sampling max_num_seqs sequences. Defaults for
 * the offline `LLM` class (what a script constructs; vllm/engine/arg_utils.py EngineArgs.get_batch_defaults,
 * UsageContext.LLM_CLASS): 16384 tokens and 1024 sequences on GPUs of ≥ 70 GiB other than the A100 (vLLM
 * PR #17885), else 8192 and 256. The OpenAI server uses smaller budgets; the figures vary by version.
 */
export function vllmProfileBudget(gpu: Gpu): { tokens: number; seqs: number } {
  const large = gpu.memory_bytes >= 70 * 2 ** 30 && !/a100/i.test(gpu.id);
  return large ? { tokens: 16384, seqs: 1024 } : { tokens: 8192, seqs: 256 };
}

/** Tensor-parallel ranks the model is split over (vLLM tensor_parallel_size); 1 for HF generate. */
function tensorParallel(job: TrainingJob): number {
  return parallelDegrees(job).degrees.tp;
}

/**
 * KV-cache bytes per token per GPU: layers × 2 (K and V) × kv_heads × head_dim × dtype bytes. vLLM's attention
 * shards KV heads over tensor-parallel ranks and replicates them when there are fewer heads than ranks (vLLM
 * docs, "Parallelism and Scaling"; vllm/model_executor/models/llama.py num_kv_heads = max(1, total // tp)).
 */
export function kvBytesPerToken(arch: ModelArch, inf: InferenceConfig, tp = 1): number {
  const kvHeads = Math.max(1, Math.floor(arch.num_kv_heads / tp));
  return arch.num_layers * 2 * kvHeads * headDim(arch) * KV_DTYPE_BYTES[inf.kv_cache_dtype];
}

/** Bytes of one activation element: the model's dtype (fp32, or half for every other precision). */
function actBytes(job: TrainingJob): number {
  return job.precision === 'fp32' ? 4 : 2;
}

/** Inference runs the model in its load dtype: no autocast, no master copy. */
function inferencePlan(job: TrainingJob): PrecisionPlan {
  return { param: actBytes(job) === 4 ? 'f32' : 'half', autocast: false, master_weights: false };
}

/**
 * Weights as loaded for inference: the model's dtype (torch_dtype), decoder linears quantized when
 * job.quantization says so (optimizer.ts stateBytes, which applies quantization.ts); PEFT adapters as PEFT loads them.
 */
function inferenceWeightBytes(job: TrainingJob): number {
  return stateBytes(job, inferencePlan(job)).weights;
}

/** Quantized linears dequantize (4-bit, GPTQ/AWQ) or quantize their input (int8) per matmul: the largest such buffer. */
function quantizedMatmulBytes(job: TrainingJob, tokens: number): number {
  const q = job.quantization;
  if (!q) return 0;
  return Math.max(...layerLinears(job.model).map((m) => quantizedLinearTransient(q, m, tokens)));
}

/** MLP intermediates alive at once, in units of batch·seq·intermediate elements. */
function mlpWidthFactor(arch: ModelArch): number {
  // llama down(silu(gate(x)) · up(x)): silu(gate), up and their product; gpt2 NewGELU 0.5·x·(1 + tanh(...)):
  // its input, 0.5·x, the tanh term and the result; opt fc1 then ReLU: two.
  return arch.family === 'llama' ? 3 : arch.family === 'gpt2' ? 4 : 2;
}

/**
 * Peak transient bytes of one no_grad forward of `tokens` new tokens (batch × new) attending over `ctx` positions,
 * following the Hugging Face eager layer code of each family (the modules named in decoder-layers.ts):
 * the residual stream and its normalised copy, the buffer of a quantized matmul, plus the largest of
 * - attention: q, k, v projections and, for eager, the b × heads × new × ctx scores in the model dtype beside their
 *   fp32 softmax and its cast back (softmax(dtype=float32).to(q.dtype)) and the additive causal mask (b × new × ctx);
 *   SDPA/FlashAttention keep no score matrix, only the output;
 * - the MLP intermediates (mlpWidthFactor);
 * - the LM head on the last position only: generate() asks for the last token's logits (transformers ≥ 4.45,
 * huggingface/transformers#31292, num_logits_to_keep / logits_to_keep = 1) and copies them to fp32 for the logits
 * processors, beside the fp32 probabilities of sampling.
 */
export function forwardTransientBytes(job: TrainingJob, batch: number, fresh: number, ctx: number, attention: TrainingJob['attention']): number {
  const arch = job.model;
  const a = actBytes(job);
  const tokens = batch * fresh;
  const h = arch.hidden_size;
  const qkv = tokens * (arch.num_heads + 2 * arch.num_kv_heads) * headDim(arch) * a;
  const scores = batch * arch.num_heads * fresh * ctx;
  // eager scores: half scores + fp32 softmax + half cast = 8 bytes per score; fp32 scores + fp32 softmax = 8 too
  const core = attention === 'eager' ? scores * 8 + batch * fresh * ctx * a : tokens * h * a;
  const mlp = tokens * arch.intermediate_size * mlpWidthFactor(arch) * a;
  const stream = 2 * tokens * h * a;
  // the final norm runs over every position before the last one is sliced for the LM head
  const logits = batch * arch.vocab_size * (a + 4 + 4);
  return stream + Math.max(qkv + core, mlp, logits) + quantizedMatmulBytes(job, tokens);
}

interface Parts {
  weights: number;
  kv: number;
  activations: number;
  detail: Record<string, number>;
  notes: string[];
  fits: (capacity: number, total: number) => boolean;
  /** vLLM: the preallocated budget is what the process holds. */
  budget?: number;
}

function hfParts(job: TrainingJob, inf: InferenceConfig, weights: number): Parts {
  const perToken = kvBytesPerToken(job.model, inf);
  // the last generated token is never fed back, so the cache ends at prompt + new − 1 positions
  const finalLen = inf.prompt_len + Math.max(0, inf.max_new_tokens - 1);
  const kvPrompt = perToken * inf.prompt_len * inf.batch;
  const kvFinal = perToken * finalLen * inf.batch;
  const prefill = forwardTransientBytes(job, inf.batch, inf.prompt_len, inf.prompt_len, job.attention);
  const decode = forwardTransientBytes(job, inf.batch, 1, finalLen, job.attention);
  // the peak is at the end of the prefill or at the last decode step; components are what is live then
  const prefillPeak = kvPrompt + prefill > kvFinal + decode;
  return {
    weights,
    kv: prefillPeak ? kvPrompt : kvFinal,
    activations: prefillPeak ? prefill : decode,
    detail: { kv_bytes_per_token: perToken, kv_cache_final: kvFinal, prefill_transient: prefill, decode_transient: decode },
    notes: [
      `KV cache: ${job.model.num_layers} layers × 2 × ${job.model.num_kv_heads} KV heads × ${headDim(job.model)} × ` +
        `${finalLen} positions × batch ${inf.batch} (Hugging Face DynamicCache).`,
      'Prefill: one no_grad forward over the prompt; logits of the last position only (transformers ≥ 4.45; older versions compute all positions in fp32).',
    ],
    fits: (capacity, total) => total <= capacity,
  };
}

/** `buffers`: model buffers, which like the weights are in place before vLLM sizes its cache. */
function vllmParts(job: TrainingJob, inf: InferenceConfig, weights: number, buffers: number, gpu: Gpu): Parts {
  const tp = tensorParallel(job);
  const util = inf.gpu_memory_utilization ?? VLLM_DEFAULT_UTILIZATION;
  const budget = Math.floor(util * gpu.memory_bytes);
  const maxLen = inf.max_model_len ?? job.model.max_position_embeddings;
  const perToken = kvBytesPerToken(job.model, inf, tp);
  // profiling forward: max_num_batched_tokens through FlashAttention (vLLM's CUDA backend) plus sampling of
  // max_num_seqs sequences (fp32 logits and probabilities); one batch row of that many tokens has the same count
  const budgetRun = vllmProfileBudget(gpu);
  const profile = Math.max(
    forwardTransientBytes(job, 1, budgetRun.tokens, budgetRun.tokens, 'flash'),
    budgetRun.seqs * job.model.vocab_size * 4 * 2,
  ) / tp;
  const free = budget - weights - buffers - profile - CUDA_CONTEXT_BYTES;
  const blockBytes = perToken * VLLM_BLOCK_TOKENS;
  const blocks = Math.max(0, Math.floor(free / blockBytes));
  const kv = blocks * blockBytes;
  const kvTokens = blocks * VLLM_BLOCK_TOKENS;
  const seqLen = inf.prompt_len + inf.max_new_tokens;
  return {
    weights,
    kv,
    activations: profile,
    budget,
    detail: {
      kv_bytes_per_token: perToken,
      vllm_budget: budget,
      vllm_kv_blocks: blocks,
      vllm_kv_tokens: kvTokens,
      vllm_max_model_len: maxLen,
      vllm_concurrent_sequences: Math.floor(kvTokens / Math.max(1, seqLen)),
    },
    notes: [
      `vLLM preallocates gpu_memory_utilization ${util} × ${(gpu.memory_bytes / 2 ** 30).toFixed(0)} GiB; ` +
        `the KV cache takes what weights, the profiling forward (${budgetRun.tokens} tokens, the LLM class default) and the CUDA context leave: ` +
        `${kvTokens} tokens in blocks of ${VLLM_BLOCK_TOKENS}. CUDA-graph memory is not modelled.`,
      `Fits when one max_model_len (${maxLen}) sequence fits the KV cache, as vLLM checks at start; ` +
        `${Math.floor(kvTokens / Math.max(1, seqLen))} sequences of ${seqLen} tokens run at once.`,
    ],
    // vLLM refuses to start without a single cache block ("No available memory for the cache blocks")
    fits: (capacity) => budget <= capacity && blocks > 0 && kvTokens >= maxLen,
  };
}

export function estimateInference(job: TrainingJob, gpu: Gpu): Estimate {
  const inf = job.inference!;
  const weights = Math.ceil(inferenceWeightBytes(job) / tensorParallel(job));
  const buffers = modelBufferBytes(job.model, inferencePlan(job));
  const parts = inf.engine === 'vllm' ? vllmParts(job, inf, weights, buffers, gpu) : hfParts(job, inf, weights);
  const allocated = parts.weights + parts.kv + parts.activations + buffers;
  // vLLM holds its whole budget, so what it does not allocate is slack it reserves; HF: the allocator's usual slack
  const total = parts.budget ?? allocated + allocatorReserve(allocated) + CUDA_CONTEXT_BYTES;
  const reserve = total - CUDA_CONTEXT_BYTES - allocated;
  const other = total - parts.weights - parts.kv - parts.activations;
  const params = countParams(job.model, job.peft);
  return {
    per_gpu: {
      weights: parts.weights,
      gradients: 0,
      optimizer_states: 0,
      activations: parts.activations,
      autocast_weight_copies: 0,
      other,
      kv_cache: parts.kv,
      total,
      // live tensors; what the allocator holds (vLLM: its whole budget); plus the CUDA context, what nvidia-smi shows
      peak_allocated: allocated,
      peak_reserved: total - CUDA_CONTEXT_BYTES,
      device_used: total,
    },
    capacity_bytes: gpu.memory_bytes,
    fits: parts.fits(gpu.memory_bytes, total),
    params: { total: params.total, trainable: 0 },
    detail: { ...parts.detail, cuda_context: CUDA_CONTEXT_BYTES, allocator_reserve: reserve, model_buffers: buffers, kv_cache: parts.kv },
    flops_per_step: flopsPerStep(job),
    notes: [
      'Inference: no gradients or optimizer states; activations are the largest transient of one forward (no_grad).',
      ...parts.notes,
      ...(job.quantization ? [`Quantization ${job.quantization.method}: decoder-layer linear weights quantized; each matmul's dequantized weight (or int8 input) adds to the forward transient.`] : []),
      'Time: a compute-bound lower bound; decoding is usually limited by memory bandwidth.',
    ],
    compute: computeEstimate(job, gpu),
  };
}
