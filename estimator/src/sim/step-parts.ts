/**
 * The figures the step timeline replays (timeline.ts StepParts), taken from the estimator's own counts so that
 * the timeline and the component sum agree on every tensor: the op-level tape (activations.ts: saved bytes per
 * layer, logits, loss buffers, the recomputed layer, autocast casts), the optimizer's states (optimizer.ts) and one
 * GPU's share of them (sharding/). What only the timeline needs is derived here, with its source:
 * - the gradient flowing through a layer in backward: the residual-stream gradient in and out, and the gradient of
 *   the layer's widest intermediate (the MLP's, or eager attention's b·a·s² scores), in the compute dtype;
 * - the optimizer step's temporaries: torch.optim.AdamW defaults to the foreach implementation on CUDA
 *   (torch.optim docs, "Algorithms": "we default to foreach"), whose _multi_tensor_adamw makes one new tensor per
 *   parameter for √v̂ (torch._foreach_sqrt(exp_avg_sqs)), i.e. one copy of the second moments; DeepSpeed's
 *   FusedAdam/CPUAdam and bitsandbytes' 8-bit and paged kernels update in place (no temporary);
 * - paged optimizer states live in CUDA unified memory, outside the caching allocator, so they are left out.
 */
import type { ActivationCount } from '../activations';
import type { StateBytes } from '../optimizer';
import { baseTensors, numel, trainableTensorCount, trainableTensors, type ParamTensor } from '../params';
import type { PrecisionPlan } from '../precision';
import type { ShardedMemory } from '../sharding';
import { microBatchParts } from '../sharding/activation-split';
import { parallelDegrees } from '../sharding/parallel';
import type { TrainingJob } from '../types';
import type { StepParts } from './timeline';

export interface StepInputs {
  job: TrainingJob;
  plan: PrecisionPlan;
  state: StateBytes;
  act: ActivationCount;
  share: ShardedMemory;
  model_buffers: number;
  /** Replay the first step (optimizer states created by it) instead of a steady-state one. */
  first_step?: boolean;
  /**
   * torch.optim implementation: 'foreach' (the default on CUDA) or 'for-loop' (the default on CPU, what the
   * calibration runs used): _single_tensor_adamw makes √v and √v/bias_correction (two temporaries) one tensor at a
   * time, so its peak is twice the largest tensor's moment.
   */
  optimizer_impl?: 'foreach' | 'for-loop';
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function stepParts(x: StepInputs): StepParts {
  const { job, plan, state, act, share } = x;
  const arch = job.model;
  const d = parallelDegrees(job).degrees;
  const layout = share.layout;
  const L = layout.layers_on_stage;
  const mb = microBatchParts(job, act, d, layout.stage, L / arch.num_layers);
  const perMicroBatch = mb.embed + mb.layers + mb.head + mb.loss + mb.logits;

  const layerTensors = baseTensors(arch).filter((t) => t.scope === 'layer').reduce((n, t) => n + t.count, 0);
  const tensorsPerLayer = Math.max(1, Math.round(layerTensors / arch.num_layers));
  const gradShare = ratio(share.gradients, state.gradients);
  const stepGrads = Math.min(share.gradients, (state.detail.master_grad_bytes ?? 0) * gradShare);
  const backwardGrads = share.gradients - stepGrads;
  // with PEFT the trainable tensors sit in the layers; without, the embedding/head/norm share is the root's
  const layerGradShare = job.peft ? 1 : 1 - rootParamsShare(job);
  const optShare = ratio(share.optimizer_states, state.optimizer_states);
  const paged = (state.detail.optimizer_paged_bytes ?? 0) * optShare;
  const optimizerTemp = !job.zero && job.optimizer === 'adamw' ? adamwTemp(x, optShare) : 0;

  const tokens = job.micro_batch * job.seq_len;
  const hiddenShare = d.sp ? 1 / d.tp : 1;
  const residual = tokens * arch.hidden_size * (plan.param === 'half' ? 2 : 4) * hiddenShare;
  const computeBytes = plan.param === 'half' || plan.autocast ? 2 : 4;
  const scores = job.attention === 'eager' ? job.micro_batch * arch.num_heads * job.seq_len * job.seq_len : 0;
  const widest = Math.max(tokens * (arch.moe_intermediate_size ?? arch.intermediate_size) * (arch.family === 'llama' ? 2 : 1), scores);
  const layerGradTemp = residual + (widest * computeBytes) / d.tp;

  const lossPeak = act.detail.loss_peak_transient ?? 0;
  const halfLogits = lossPeak > act.logits;
  const castsCached = Math.max(0, act.casts_peak - act.casts_saved);
  const castShare = ratio(share.autocast_weight_copies, layout.micro_batches_in_flight * act.casts_saved + castsCached);
  const layerCasts = ratio(act.casts_saved, arch.num_layers) * castShare;
  const ckpt = job.grad_checkpointing;
  return {
    layers: L,
    weights: share.weights,
    tensors_per_layer: tensorsPerLayer,
    param_tensors: trainableTensorCount(arch, job.peft),
    model_buffers: x.model_buffers,
    optimizer_states: share.optimizer_states - paged,
    first_step: x.first_step ?? false,
    optimizer_temp: optimizerTemp,
    layer_grads: backwardGrads * layerGradShare,
    other_grads: backwardGrads * (1 - layerGradShare),
    step_grads: stepGrads,
    grads_at_start: (d.pp > 1 ? d.micro_batches : job.grad_accum) > 1,
    comm_buffers: (share.detail.ddp_grad_buckets ?? 0) + (share.detail.zero_reduce_bucket ?? 0),
    gathered_params: (share.detail.zero3_live_params ?? 0) + (share.detail.fsdp_unsharded_params ?? 0),
    module_grads: (share.detail.zero3_module_grads ?? 0) + (share.detail.fsdp_unsharded_grads ?? 0),
    embed: mb.embed,
    per_layer: ratio(mb.layers, L),
    head: mb.head,
    loss_saved: mb.loss,
    logits: mb.logits,
    logits_upcast: halfLogits && mb.logits > 0 ? 2 * mb.logits : 0,
    loss_grad: mb.logits > 0 ? lossPeak * mb.vocab_share : 0,
    residual,
    layer_grad_temp: layerGradTemp,
    recompute_layer: ckpt ? ((act.detail.recompute_layer ?? 0) + (act.detail.recompute_layer_casts ?? 0)) * mb.layer_share : 0,
    casts_per_layer: layerCasts,
    casts_cached: castsCached * castShare,
    module_transient: act.detail.module_transient ?? 0,
    other_micro_batches: (layout.micro_batches_in_flight - 1) * perMicroBatch,
  };
}

/** Fraction of the base parameters outside the decoder layers (embeddings, final norm, untied head). */
function rootParamsShare(job: TrainingJob): number {
  const all = baseTensors(job.model);
  const size = (t: ParamTensor) => numel(t) * t.count;
  const total = all.reduce((n, t) => n + size(t), 0);
  return ratio(all.filter((t) => t.scope === 'model').reduce((n, t) => n + size(t), 0), total);
}

/** Temporaries of torch.optim.AdamW's step on this GPU's share of the states (see StepInputs.optimizer_impl). */
function adamwTemp(x: StepInputs, optShare: number): number {
  const moments = x.state.detail.optimizer_moment_bytes ?? 0;
  if (x.optimizer_impl !== 'for-loop') return (moments / 2) * optShare;
  const tensors = trainableTensors(x.job.model, x.job.peft);
  const total = tensors.reduce((n, t) => n + numel(t) * t.count, 0);
  const largest = Math.max(0, ...tensors.map(numel));
  return 2 * largest * ratio(moments / 2, total);
}
