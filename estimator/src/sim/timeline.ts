/**
 * The step memory timeline: one training step (one micro-batch's forward and backward, then the optimizer step)
 * replayed as tensor allocations and frees at layer granularity through the caching-allocator model
 * (allocator.ts). It says when the step peaks and how much the allocator reserves, where the component sum of
 * estimate.ts only says how much could be live at once.
 *
 * The byte figures come from the estimator (step-parts.ts): the op-level tape's saved bytes per layer, the loss
 * and recompute transients of activations.ts, the sharded states of sharding/. The order of events follows
 * PyTorch autograd and the training loop:
 * - start of the step (steady state, step ≥ 2): weights, buffers, optimizer states and communication buckets are
 *   live; gradients too when an earlier micro-batch of the same optimizer step has accumulated them (HF Trainer
 *   sets them to None at zero_grad, so not otherwise); a pipeline stage holds its other micro-batches' activations;
 * - forward: per layer the saved tensors (a checkpointed layer keeps its input only), autocast's saved weight
 *   casts; ZeRO-3/FSDP gather a layer's parameters (with prefetch) and free them after it;
 * - loss: HF ForCausalLMLoss upcasts half logits to fp32 beside the saved log-softmax; the autocast cache is freed
 *   when the forward leaves the autocast region;
 * - backward: the logits' gradient buffers beside the logits (activations.ts moment (b)); then the logits go: no
 *   autograd node saves them (log_softmax saves its result) and HF Trainer's compute_loss keeps only the loss, as
 *   the calibration's checkpointed Trainer cases show (their recomputed layers peak below logits + recompute); per layer from the last: the recomputed layer under checkpointing, the
 *   gradient flowing through the layer (output and input gradients of the residual stream and the gradient of
 *   its widest intermediate), the parameter gradients (under ZeRO-2/3 and FSDP, the layer's whole gradient until it
 *   is reduce-scattered into the rank's partition), then the layer's saved tensors are freed;
 * - optimizer: gradient clipping's per-tensor norms (torch.nn.utils.clip_grad_norm_, foreach: one 0-dim tensor per
 *   parameter) and the optimizer's multi-tensor temporaries; zero_grad frees the gradients.
 */
import { CachingAllocator, MIN_BLOCK, SMALL_SIZE, type Block } from './allocator';
import { boundedMemo } from '../memo';
import type { MemoryComponent, StepTimeline, TimelinePoint } from '../types';

/** What one GPU allocates over a step, in bytes; see step-parts.ts for where each figure comes from. */
export interface StepParts {
  layers: number;
  weights: number;
  /** Parameter tensors per decoder layer (how the layer's weights and gradients are split into allocations). */
  tensors_per_layer: number;
  /** Parameter tensors in all (0-dim norms of gradient clipping). */
  param_tensors: number;
  model_buffers: number;
  optimizer_states: number;
  /** Optimizer states are created by the first step (lazy init) rather than present at the start. */
  first_step: boolean;
  /** Multi-tensor temporaries of the optimizer step. */
  optimizer_temp: number;
  /** Gradients held after backward, by where they are made: in the decoder layers and outside them. */
  layer_grads: number;
  other_grads: number;
  /** Gradients (fp32 master gradients) made at the optimizer step rather than in backward. */
  step_grads: number;
  /** Gradients of earlier micro-batches are live at the start (gradient accumulation). */
  grads_at_start: boolean;
  /** Persistent communication buffers (DDP buckets, ZeRO reduce buckets). */
  comm_buffers: number;
  /** ZeRO-3/FSDP: parameters of one layer gathered whole (with prefetch) while it runs. */
  gathered_params: number;
  /** ZeRO-2/3/FSDP: one layer's whole gradient before it is reduce-scattered. */
  module_grads: number;
  /** Activations of one micro-batch. */
  embed: number;
  per_layer: number;
  /** Final norm and LM-head inputs saved. */
  head: number;
  loss_saved: number;
  logits: number;
  /** fp32 copy of half logits made inside the loss (0 for fp32 logits). */
  logits_upcast: number;
  /** Gradient buffers of the logits at the start of backward. */
  loss_grad: number;
  /** Residual-stream tensor (tokens × hidden × dtype): the size activations are allocated in. */
  residual: number;
  /** Gradient of the widest intermediate of a layer (MLP or attention scores). */
  layer_grad_temp: number;
  recompute_layer: number;
  casts_per_layer: number;
  casts_cached: number;
  /** Dequantized weight or DoRA norm of the module running. */
  module_transient: number;
  /** Activations of the stage's other micro-batches (pipeline parallel). */
  other_micro_batches: number;
}

/** Tensors one group of activations is split into (an eager layer at long sequence is ~100 residual-sized ones). */
const MAX_PIECES = 128;

const COMPONENTS: MemoryComponent[] = ['weights', 'gradients', 'optimizer_states', 'activations', 'autocast_weight_copies', 'other'];

/** Replays events through the allocator, recording a point at each phase and the phase of the peak. */
class Replay {
  readonly alloc: CachingAllocator;
  private readonly live = new Map<string, { blocks: Block[]; component: MemoryComponent; bytes: number }>();
  private readonly byComponent = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<MemoryComponent, number>;
  readonly series: TimelinePoint[] = [];
  peakAt = 'start';
  private peakSeen = 0;
  readonly phasePeaks = { forward: 0, backward: 0, optimizer: 0 };
  private phase = 'start';
  /** Which of phasePeaks the current phase counts in. */
  private group: keyof Replay['phasePeaks'] = 'forward';
  oomAt: string | undefined;

  constructor(limit: number) {
    this.alloc = new CachingAllocator(limit);
  }

  /** Allocate `bytes` as `pieces` tensors of equal size under `key`. */
  add(key: string, component: MemoryComponent, bytes: number, pieces = 1): void {
    bytes = Math.round(bytes);
    if (bytes <= 0) return;
    const n = Math.max(1, Math.min(pieces, Math.floor(bytes)));
    const piece = Math.floor(bytes / n);
    const rest = bytes % n;
    const blocks: Block[] = [];
    for (let i = 0; i < n; i++) blocks.push(this.alloc.malloc(piece + (i < rest ? 1 : 0)));
    if (this.alloc.ooms > 0 && this.oomAt === undefined) this.oomAt = this.phase;
    const prev = this.live.get(key);
    if (prev) throw new Error(`timeline: ${key} allocated twice`);
    this.live.set(key, { blocks, component, bytes });
    this.byComponent[component] += bytes;
    this.phasePeaks[this.group] = Math.max(this.phasePeaks[this.group], this.alloc.allocated);
    if (this.alloc.allocated > this.peakSeen) {
      this.peakSeen = this.alloc.allocated;
      this.peakAt = this.phase;
    }
  }

  /** Allocate in tensors of about `unit` bytes (activations come as residual-stream-sized tensors), at most 128. */
  addIn(key: string, component: MemoryComponent, bytes: number, unit: number): void {
    this.add(key, component, bytes, unit > 0 ? Math.max(1, Math.min(MAX_PIECES, Math.round(bytes / unit))) : 1);
  }

  drop(...keys: string[]): void {
    for (const key of keys) {
      const t = this.live.get(key);
      if (!t) continue;
      for (const b of t.blocks) this.alloc.free(b);
      this.byComponent[t.component] -= t.bytes;
      this.live.delete(key);
    }
  }

  /** Enter a phase: the allocations that follow are attributed to it. */
  enter(phase: string): void {
    this.phase = phase;
    this.group = phase.startsWith('backward') ? 'backward' : phase === 'optimizer' || phase === 'zero_grad' ? 'optimizer' : 'forward';
  }

  /** Record the state at the end of the current phase. */
  point(): void {
    this.series.push({ at: this.phase, allocated_bytes: this.alloc.allocated, reserved_bytes: this.alloc.reserved, by_component: { ...this.byComponent } });
  }
}

/** Layers replayed one by one; a deeper model (no real one is) has consecutive layers replayed together. */
const MAX_LAYERS = 512;

function grouped(p: StepParts): StepParts {
  if (p.layers <= MAX_LAYERS) return p;
  const layers = MAX_LAYERS;
  const g = p.layers / layers;
  // a group's tensors are allocated as one layer's count of larger ones, to keep the replay's allocation count bounded
  return { ...p, layers, per_layer: p.per_layer * g, casts_per_layer: p.casts_per_layer * g };
}

/** Replay one step; `limit` is what the allocator may reserve (device memory less the CUDA context). */
export function replayStep(parts: StepParts, limit = Infinity): StepTimeline {
  const p = grouped(parts);
  const r = new Replay(limit);
  const L = p.layers;
  const layerGrad = L > 0 ? p.layer_grads / L : 0;
  const layerWeights = p.weights / (L + 1);
  const act = (key: string, bytes: number) => r.addIn(key, 'activations', bytes, p.residual);

  // start: what persists between steps
  for (let i = 0; i <= L; i++) r.add(`weights ${i}`, 'weights', layerWeights, i < L ? p.tensors_per_layer : 3);
  r.add('model buffers', 'other', p.model_buffers);
  // two moments per parameter tensor, as many tensors as the weights are in
  const statePieces = 2 * (L * p.tensors_per_layer + 3);
  if (!p.first_step) r.add('optimizer states', 'optimizer_states', p.optimizer_states, statePieces);
  r.add('communication buffers', 'other', p.comm_buffers);
  if (p.grads_at_start) addGrads(r, p, L, layerGrad);
  act('other micro-batches', p.other_micro_batches);
  r.point();

  r.enter('forward:embed');
  act('act embed', p.embed);
  r.point();
  for (let i = 0; i < L; i++) {
    r.enter(`forward:layer ${i}`);
    r.add(`gathered ${i}`, 'other', p.gathered_params);
    act(`act ${i}`, p.per_layer);
    r.add(`casts ${i}`, 'autocast_weight_copies', p.casts_per_layer, p.tensors_per_layer);
    r.add(`cast cache ${i}`, 'autocast_weight_copies', L > 0 ? p.casts_cached / L : 0, p.tensors_per_layer);
    r.add('module transient', 'other', p.module_transient);
    r.drop('module transient', `gathered ${i}`);
    r.point();
  }
  r.enter('forward:lm_head');
  act('act head', p.head);
  r.add('logits', 'activations', p.logits);
  r.point();
  r.enter('loss');
  r.add('logits fp32', 'activations', p.logits_upcast);
  act('act loss', p.loss_saved);
  r.point();
  r.drop('logits fp32');
  for (let i = 0; i < L; i++) r.drop(`cast cache ${i}`);

  r.enter('backward:loss');
  r.add('loss grad', 'activations', p.loss_grad);
  r.point();
  r.drop('act loss', 'logits');
  r.enter('backward:lm_head');
  if (!p.grads_at_start) r.add('grads head', 'gradients', p.other_grads / 2, 2);
  r.add('grad hidden', 'activations', p.residual);
  r.drop('loss grad', 'act head');
  r.point();
  for (let i = L - 1; i >= 0; i--) {
    r.enter(`backward:layer ${i}`);
    r.add(`gathered ${i}`, 'other', p.gathered_params);
    act(`recompute ${i}`, p.recompute_layer);
    r.add('module transient', 'other', p.module_transient);
    r.add('grad temp', 'activations', p.layer_grad_temp + p.residual);
    if (!p.grads_at_start) {
      if (p.module_grads > 0) r.add('module grads', 'other', p.module_grads, p.tensors_per_layer);
      r.add(`grads ${i}`, 'gradients', layerGrad, p.tensors_per_layer);
    }
    r.drop('module grads', 'module transient', 'grad temp', `recompute ${i}`, `act ${i}`, `casts ${i}`, `gathered ${i}`);
    r.point();
  }
  r.enter('backward:embed');
  if (!p.grads_at_start) r.add('grads embed', 'gradients', p.other_grads - p.other_grads / 2);
  r.drop('act embed', 'grad hidden');
  r.point();

  r.enter('optimizer');
  if (p.first_step) r.add('optimizer states', 'optimizer_states', p.optimizer_states, statePieces);
  r.add('step grads', 'gradients', p.step_grads);
  // one 0-dim norm per parameter tensor, each a 512-byte block of the small pool: packed here into blocks of at
  // most 1 MiB, which take the same small-pool segments
  const normBytes = MIN_BLOCK * p.param_tensors;
  r.add('clip norms', 'other', normBytes, Math.ceil(normBytes / SMALL_SIZE));
  r.add('optimizer temp', 'other', p.optimizer_temp, p.tensors_per_layer);
  r.point();
  r.drop('optimizer temp', 'clip norms', 'step grads');
  r.enter('zero_grad');
  r.drop('grads head', 'grads embed', ...Array.from({ length: L }, (_, i) => `grads ${i}`));
  r.point();

  return {
    peak_allocated_bytes: r.alloc.peakAllocated,
    peak_reserved_bytes: r.alloc.peakReserved,
    peak_at: r.peakAt,
    phase_peaks: r.phasePeaks,
    start_allocated_bytes: r.series[0].allocated_bytes,
    series: r.series,
    segments: r.alloc.segmentsCreated,
    ...(r.oomAt ? { oom_at: r.oomAt } : {}),
  };
}

function addGrads(r: Replay, p: StepParts, L: number, layerGrad: number): void {
  r.add('grads head', 'gradients', p.other_grads / 2, 2);
  r.add('grads embed', 'gradients', p.other_grads - p.other_grads / 2);
  for (let i = 0; i < L; i++) r.add(`grads ${i}`, 'gradients', layerGrad, p.tensors_per_layer);
}

/**
 * replayStep with the last 32 results kept: an editor re-estimates the same job on every keystroke and hover, and the
 * replay is a pure function of its parts. Callers must not mutate the result.
 */
export const replayStepMemo: (p: StepParts, limit?: number) => StepTimeline = boundedMemo(
  32,
  (p: StepParts, limit = Infinity) => JSON.stringify([p, limit]),
  (p: StepParts, limit = Infinity) => replayStep(p, limit),
);
