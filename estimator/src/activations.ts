/**
 * Activation memory of one training step, from the op-level replay in forward.ts.
 *
 * `activations` in the Estimate is the peak activation footprint of the step, made of
 * - saved: every tensor autograd saves from the embedding to the loss (incl. int64 indices, bool dropout masks,
 *   norm statistics and the fp32 log-softmax of the loss); equals the calibration field `activation_bytes`;
 * - logits: the LM head's output, which the model output keeps alive through backward (a plain loop holds
 *   `outputs` while calling backward); not saved by autograd (log_softmax saves its result), so not part of
 *   `activation_bytes` but of the calibration field `logits_bytes`;
 * - transient: what the step needs on top of those at its peak, the largest of three moments:
 *   (a) end of forward: HF ForCausalLMLoss's `logits.float()` upcast beside half logits (4 bytes per logit; none
 *       for fp32 logits), while autocast's cache still holds half copies of all trainable weights;
 *   (b) start of backward: the fp32 gradient of the log-probabilities, plus for half logits the half gradient of
 *       the logits (4 or 6 bytes per logit); autocast's cache is gone, only casts saved for backward remain;
 *   (c) with gradient checkpointing, one decoder layer recomputed during backward (its saved activations and
 *       autocast casts) once the loss buffers are freed.
 *   (d) a module in flight: a quantized weight dequantized to the compute dtype, or DoRA's weight norm
 *       (ForwardCount.module_transient_bytes), on top of the autocast copies saved for backward and, with
 *       checkpointing, the recomputed layer.
 *   Each moment is compared with the autocast copies it holds, and `transient` is the excess over
 *   `autocast_weight_copies` (the cache size), so activations + autocast_weight_copies is the activation-side peak.
 *   These rules reproduce the calibration peak_alloc (forward/backward phase peaks).
 */
import { countForward, type ForwardSpec } from './forward';
import { DTYPE_BYTES, type PrecisionPlan } from './precision';
import type { TrainingJob } from './types';

export interface ActivationCount {
  saved: number;
  logits: number;
  transient: number;
  /** saved + logits + transient */
  peak: number;
  detail: Record<string, number>;
  /** Autocast half weight copies kept for backward by the (non-checkpointed part of the) forward. */
  casts_saved: number;
  /** Autocast half weight copies alive at the end of the forward (cache of trainable weights ∪ saved casts). */
  casts_peak: number;
}

/** The forward a training job runs, as the tape replays it. */
export function forwardSpecOf(job: TrainingJob, plan: PrecisionPlan): ForwardSpec {
  return {
    arch: job.model,
    batch: job.micro_batch,
    seq: job.seq_len,
    plan,
    attention: job.attention,
    peft: job.peft,
    grad_checkpointing: job.grad_checkpointing,
    checkpointing_mode: job.checkpointing_mode,
    quantization: job.quantization,
  };
}

export function countActivations(spec: ForwardSpec): ActivationCount {
  const f = countForward(spec);
  const tape = f.tape;
  const phases = tape.bytesByPhase();
  const saved = tape.bytes();
  const logits = f.logits.numel * DTYPE_BYTES[f.logits.dtype];
  const halfLogits = f.logits.dtype !== 'f32';
  const lossSaved = phases.get('loss') ?? 0;
  const castsSaved = tape.castBytes();
  const castsPeak = Math.max(castsSaved, f.cached_cast_bytes);
  const endOfForward = f.logits.numel * (halfLogits ? 4 : 0) + castsPeak;
  const lossPeak = f.logits.numel * (halfLogits ? 6 : 4);
  const startOfBackward = lossPeak + castsSaved;
  const recompute = spec.grad_checkpointing
    ? f.recompute_layer_bytes + f.recompute_layer_cast_bytes - lossSaved + castsSaved
    : 0;
  const inFlight = f.module_transient_bytes > 0 ? Math.max(recompute, castsSaved) + f.module_transient_bytes : 0;
  const transient = Math.max(endOfForward, startOfBackward, recompute, inFlight) - castsPeak;
  const layerBytes = [...phases].filter(([p]) => p.startsWith('layers')).map(([, n]) => n);
  const detail: Record<string, number> = {
    activations_saved: saved,
    logits: logits,
    activation_transient: transient,
    activations_embed: phases.get('embed') ?? 0,
    activations_layers: layerBytes.reduce((s, n) => s + n, 0),
    activations_per_layer: layerBytes[layerBytes.length - 1] ?? 0,
    activations_final_norm: phases.get('final_norm') ?? 0,
    activations_lm_head: phases.get('lm_head') ?? 0,
    loss_buffers: lossSaved,
    loss_peak_transient: lossPeak,
    recompute_layer: spec.grad_checkpointing ? f.recompute_layer_bytes : 0,
    recompute_layer_casts: spec.grad_checkpointing ? f.recompute_layer_cast_bytes : 0,
    autocast_casts_saved: castsSaved,
    module_transient: f.module_transient_bytes,
    korthikanti_per_layer: korthikantiPerLayer(spec, false),
    korthikanti_selective_per_layer: korthikantiPerLayer(spec, true),
  };
  for (const [dtype, n] of Object.entries(tape.bytesByDtype())) detail[`activations_dtype_${dtype}`] = n;
  return {
    saved,
    logits,
    transient,
    peak: saved + logits + transient,
    detail,
    casts_saved: castsSaved,
    casts_peak: castsPeak,
  };
}

/**
 * Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", Sec. 4.1, Eq. 1:
 * activation bytes of one transformer layer = s·b·h·(34 + 5·a·s/h) for 16-bit activations with dropout and no
 * tensor parallelism; with selective recomputation (Sec. 4.3) the 5·a·s/h attention-core term goes: 34·s·b·h.
 * Shown beside our op-level count; it assumes GPT-style layers (4h MLP, dropout), so it differs for SwiGLU/RMSNorm.
 */
export function korthikantiPerLayer(spec: Pick<ForwardSpec, 'arch' | 'batch' | 'seq'>, selective: boolean): number {
  const { hidden_size: h, num_heads: a } = spec.arch;
  const sbh = spec.seq * spec.batch * h;
  return Math.round(selective ? 34 * sbh : sbh * (34 + (5 * a * spec.seq) / h));
}
