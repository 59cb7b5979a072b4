/**
 * FLOPs of training and inference, per token and per optimizer step.
 *
 * Weight matmuls: a token passing through an n-parameter matrix costs 2n FLOPs (one multiply-add per weight);
 * the backward pass costs two more such matmuls, the input gradient and the weight gradient, so training costs
 * 6N per token (Kaplan et al. 2020, "Scaling Laws for Neural Language Models", Sec. 2.1 and Table 1; Hoffmann et
 * al. 2022, "Chinchilla", App. F). A frozen weight (LoRA's base model) skips its weight-gradient matmul and costs
 * 4n; its input gradient is still needed to reach the adapters of earlier layers.
 *
 * Attention: QKᵀ and the attention-weighted sum of V are 2·s·d FLOPs each per token and layer (d = heads ·
 * head_dim), i.e. 4·L·s·d forward and 12·L·s·d for training: Narayanan et al. 2021, "Efficient Large-Scale
 * Language Model Training on GPU Clusters Using Megatron-LM", Eq. 3, whose 96·B·s·l·h²·(1 + s/6h + V/16lh)
 * (with recomputation, 4 passes) carries exactly 16·L·s·h per token for attention. The whole s×s product is
 * counted, as eager attention and Megatron compute it.
 *
 * Recomputation (gradient checkpointing) reruns the decoder layers' forward once: 8N and 16·L·s·d per token for
 * the layers (Narayanan et al. 2021, Sec. 3.5). Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
 * Models", Sec. 5: selective recomputation reruns only the attention core (QKᵀ, softmax, AV), so it adds 4·L·s·d.
 *
 * Mixture of experts: each token runs through the router and experts_per_token experts, so compute counts those
 * (active parameters), while memory holds all experts (Fedus et al. 2021, "Switch Transformers", Sec. 2;
 * Mixtral 8x7B: 46.7B parameters, 12.9B used per token, Mistral AI, "Mixtral of experts", 2023).
 */
import { countParams, headDim, layerLinears, lmHeadModule } from './params';
import { moeLayerParams } from './sharding/moe';
import { parallelDegrees } from './sharding/parallel';
import type { ModelArch, PeftConfig, TrainingJob } from './types';

/** Matmul weights one token passes through, split by whether they are trained. Biases are adds, not counted. */
export interface ActiveMatmulParams {
  trainable: number;
  frozen: number;
}

/**
 * Weight-matrix parameters per layer that one token uses: attention projections, and the MLP or, for an MoE,
 * the router (hidden × experts) plus experts_per_token expert MLPs (gate/up/down in the llama layout).
 */
function activeLayerWeights(arch: ModelArch): number {
  const linears = layerLinears(arch);
  const weights = (ms: typeof linears) => ms.reduce((n, m) => n + m.in * m.out, 0);
  const attention = weights(linears.filter((m) => !m.name.startsWith('mlp.') && !/^fc\d$/.test(m.name)));
  const moe = moeLayerParams(arch);
  if (!moe) return weights(linears);
  return attention + moe.router + (arch.experts_per_token ?? 1) * moe.per_expert;
}

/** Active matmul parameters: decoder layers, the LM head (run even when tied to the embedding), LoRA adapters. */
export function activeMatmulParams(arch: ModelArch, peft: PeftConfig | null | undefined): ActiveMatmulParams {
  const lmHead = lmHeadModule(arch);
  const base = arch.num_layers * activeLayerWeights(arch) + lmHead.in * lmHead.out;
  const lora = countParams(arch, peft).by_module.lora;
  return peft ? { trainable: lora, frozen: base } : { trainable: base, frozen: 0 };
}

/**
 * Parameters a token touches, embeddings and norms included: what "active parameters" means for an MoE
 * (Mixtral 8x7B: 12.9B). For a dense model it equals the parameter count.
 */
export function activeParams(arch: ModelArch): number {
  const total = countParams(arch).total;
  const moe = moeLayerParams(arch);
  if (!moe) return total;
  // the total holds every expert (params.ts); a token skips num_experts − experts_per_token of them per layer
  return total - arch.num_layers * ((arch.num_experts ?? 0) - (arch.experts_per_token ?? 1)) * moe.per_expert;
}

/** Attention-score FLOPs (QKᵀ and AV) of one forward pass per token at context length `ctx`: 4·L·ctx·d. */
function attentionForward(arch: ModelArch, ctx: number): number {
  return 4 * arch.num_layers * ctx * arch.num_heads * headDim(arch);
}

/** Training FLOPs per token of one step: model FLOPs (the work the job needs) and hardware FLOPs (with recomputation). */
export interface TrainingFlops {
  model: number;
  hardware: number;
}

/**
 * Checkpointing wraps the decoder layers, not the LM head, so only the layers' forward is rerun; Narayanan et
 * al. 2021, Eq. 3 likewise counts the logit layer 6·B·s·V·h (3 passes) beside the layers' 4 passes.
 */
export function trainingFlopsPerToken(job: TrainingJob): TrainingFlops {
  const arch = job.model;
  const p = activeMatmulParams(arch, job.peft);
  const attention = attentionForward(arch, job.seq_len);
  const forward = 2 * (p.trainable + p.frozen) + attention;
  const backward = 4 * p.trainable + 2 * p.frozen + 2 * attention;
  const model = forward + backward;
  if (!job.grad_checkpointing) return { model, hardware: model };
  const lmHead = lmHeadModule(arch);
  const layersForward = forward - 2 * lmHead.in * lmHead.out;
  const recompute = job.checkpointing_mode === 'selective' ? attention : layersForward;
  return { model, hardware: model + recompute };
}

/**
 * Tokens of one optimizer step over all GPUs: micro-batch × sequence × micro-batches per step × data-parallel
 * replicas (tensor and pipeline ranks share their micro-batches; under a pipeline the micro-batches per flush).
 */
export function tokensPerStep(job: TrainingJob): number {
  const d = parallelDegrees(job).degrees;
  const microBatches = d.pp > 1 ? d.micro_batches : job.grad_accum;
  return job.micro_batch * job.seq_len * microBatches * d.dp;
}

/** Hardware FLOPs of one optimizer step (all GPUs, all micro-batches), recomputation included. */
export function flopsPerStep(job: TrainingJob): number {
  if (job.inference) return inferenceFlops(job).per_call;
  return trainingFlopsPerToken(job).hardware * tokensPerStep(job);
}

/** FLOPs of one generate() call on the batch: a prefill of the prompt, then one forward per new token. */
export interface InferenceFlops {
  per_call: number;
  /** Tokens processed per call: batch × (prompt + new tokens). */
  tokens: number;
  prefill: number;
  decode: number;
}

/**
 * Inference is one forward pass: 2N per token (Kaplan et al. 2020, Table 1) plus attention over the context so
 * far. The prefill attends over the prompt (4·L·p·d per prompt token, as in training); the t-th generated token
 * attends over p + t positions of the KV cache.
 */
export function inferenceFlops(job: TrainingJob): InferenceFlops {
  const inf = job.inference!;
  const p = activeMatmulParams(job.model, job.peft);
  const weights = 2 * (p.trainable + p.frozen);
  const prefill = inf.batch * inf.prompt_len * (weights + attentionForward(job.model, inf.prompt_len));
  const n = inf.max_new_tokens;
  // Σ_{t=1..n} (p + t) = n·p + n(n+1)/2 context positions attended by the generated tokens
  const contexts = n * inf.prompt_len + (n * (n + 1)) / 2;
  const decode = inf.batch * (n * weights + attentionForward(job.model, 1) * contexts);
  return { per_call: prefill + decode, tokens: inf.batch * (inf.prompt_len + n), prefill, decode };
}
