/**
 * Activations one model-parallel rank keeps: the single-GPU op-level count (activations.ts) split by tensor and
 * sequence parallelism and multiplied by the micro-batches a pipeline stage holds at once.
 *
 * Tensor/sequence parallel (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
 * Models", Sec. 4.2.1-4.2.2 and Table 2): a layer keeps sbh(34 + 5as/h) bytes; with TP of size t it keeps
 * sbh(10 + 24/t + 5as/(ht)): the layer-norm inputs and outputs, the dropout masks and the inputs of the two
 * column-parallel GEMMs (10sbh) stay whole on every rank; with sequence parallelism the rest is split too,
 * sbh(34/t + 5as/(ht)). We scale our own op-level count of a layer by the same ratio; without an s×s score
 * tensor (SDPA/FlashAttention) the 5as/h term is 0. Under full recomputation a layer keeps its input (2sbh),
 * split only by sequence parallelism; under selective recomputation sbh(10 + 24/t), or sbh·34/t with SP.
 * The output layer and cross-entropy are vocab-parallel (Megatron-LM vocab_parallel_cross_entropy): logits and
 * loss buffers are split over t.
 *
 * Pipeline parallel (Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU Clusters Using
 * Megatron-LM", Sec. 2.2.1): GPipe runs all m micro-batches forward before any backward, so every stage holds m;
 * 1F1B (PipeDream-Flush) lets stage i (0-based) hold at most p − i in flight, so the first stage holds min(p, m)
 * and the last one. Transient peaks (loss upcast, a recomputed layer) happen once, not per micro-batch.
 */
import type { ActivationCount } from '../activations';
import type { TrainingJob } from '../types';
import type { Degrees, Stage } from './parallel';

/** The fraction of one layer's activations a TP rank keeps (1 without TP), from Korthikanti et al. 2022 Table 2. */
export function tpLayerShare(job: TrainingJob, d: Degrees): number {
  const t = d.tp;
  if (t === 1) return 1;
  if (job.grad_checkpointing && job.checkpointing_mode !== 'selective') return d.sp ? 1 / t : 1;
  if (d.sp) return 1 / t;
  const m = job.model;
  const selective = job.grad_checkpointing && job.checkpointing_mode === 'selective';
  const score = job.attention === 'eager' && !selective ? (5 * m.num_heads * job.seq_len) / m.hidden_size : 0;
  return (10 + (24 + score) / t) / (34 + score);
}

/** Micro-batches whose activations a stage holds at its peak. */
export function microBatchesInFlight(d: Degrees, stage: Stage): number {
  if (stage === 'only') return 1;
  if (d.schedule === 'gpipe') return d.micro_batches;
  return stage === 'first' ? Math.min(d.pp, d.micro_batches) : 1;
}

export interface RankActivations {
  activations: number;
  autocast_weight_copies: number;
  in_flight: number;
  detail: Record<string, number>;
}

/**
 * `layerFraction`: the stage's share of the decoder layers; `weightShare`: its share of the trainable weights
 * (for autocast's copies).
 */
/** One micro-batch's activations on a rank, by where they are saved (0 for parts on other pipeline stages). */
export interface MicroBatchParts {
  embed: number;
  layers: number;
  /** Final norm and LM-head inputs (hidden-sized). */
  head: number;
  /** Loss buffers and logits (vocab-sized, split over TP by the vocab-parallel loss). */
  loss: number;
  logits: number;
  /** The rank's share of one layer's activations (tpLayerShare) and of vocab-sized tensors. */
  layer_share: number;
  vocab_share: number;
}

export function microBatchParts(job: TrainingJob, act: ActivationCount, d: Degrees, stage: Stage, layerFraction: number): MicroBatchParts {
  const share = tpLayerShare(job, d);
  const vocab = 1 / d.tp;
  const hidden = d.sp ? 1 / d.tp : 1;
  const embed = act.detail.activations_embed ?? 0;
  const layers = act.detail.activations_layers ?? 0;
  const loss = act.detail.loss_buffers ?? 0;
  const withHead = stage !== 'first';
  return {
    embed: stage !== 'last' ? embed : 0,
    layers: layers * layerFraction * share,
    head: withHead ? (act.saved - embed - layers - loss) * hidden : 0,
    loss: withHead ? loss * vocab : 0,
    logits: withHead ? act.logits * vocab : 0,
    layer_share: share,
    vocab_share: vocab,
  };
}

export function rankActivations(job: TrainingJob, act: ActivationCount, d: Degrees, stage: Stage, layerFraction: number, weightShare: number): RankActivations {
  const parts = microBatchParts(job, act, d, stage, layerFraction);
  const { layer_share: share, vocab_share: vocab } = parts;
  const inFlight = microBatchesInFlight(d, stage);
  const perMicroBatch = parts.embed + parts.layers + parts.head + parts.loss + parts.logits;
  // the first of several stages has no loss; its only transient is a recomputed layer
  const transient = stage === 'first' ? (job.grad_checkpointing ? (act.detail.recompute_layer ?? 0) * share : 0) : act.transient * Math.max(share, vocab);
  const castsCached = Math.max(0, act.casts_peak - act.casts_saved);
  return {
    activations: inFlight * perMicroBatch + transient,
    autocast_weight_copies: (inFlight * act.casts_saved + castsCached) * weightShare,
    in_flight: inFlight,
    detail: { activations_per_micro_batch: perMicroBatch, activations_rank_transient: transient },
  };
}
