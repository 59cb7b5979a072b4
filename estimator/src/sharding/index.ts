/**
 * shardMemory: the single-GPU model states and activations of a job, turned into what one GPU holds under its
 * parallel layout: model parallelism (TP, PP, EP) first, then data-parallel sharding (ZeRO, FSDP) or replication
 * (DDP). With pipeline parallelism the first and the last stage are both evaluated and the fuller one reported.
 * On one GPU without sharding every figure is the single-GPU figure unchanged.
 */
import type { ActivationCount } from '../activations';
import { ddpBucketBytes } from '../overhead';
import type { StateBytes } from '../optimizer';
import type { PrecisionPlan } from '../precision';
import type { HostMemory, ParallelLayout, TrainingJob } from '../types';
import { rankActivations } from './activation-split';
import { fsdpShare } from './fsdp';
import { parallelDegrees, peftAddedParams, rankParams, SINGLE, stagesOf, type Degrees, type Stage } from './parallel';
import { NO_HOST, type DpShare, type ReplicaStates } from './states';
import { ZERO_DEFAULTS, zeroShare } from './zero';

export interface ShardedMemory {
  weights: number;
  gradients: number;
  optimizer_states: number;
  activations: number;
  autocast_weight_copies: number;
  /** Communication buckets and gathered (unsharded) parameters: part of `other`. */
  buffers: number;
  host: HostMemory;
  layout: ParallelLayout;
  detail: Record<string, number>;
  notes: string[];
}

function ddpShare(s: ReplicaStates, dp: number): DpShare {
  const buckets = ddpBucketBytes(dp, s.grads);
  return {
    weights: s.weights,
    gradients: s.grads + s.master_grads,
    optimizer_states: s.optimizer_states,
    buffers: buckets,
    host: NO_HOST,
    shard_size: 1,
    detail: { ddp_grad_buckets: buckets },
    notes: [],
  };
}

function stageMemory(job: TrainingJob, plan: PrecisionPlan, state: StateBytes, act: ActivationCount, d: Degrees, stage: Stage, peftParams: number): ShardedMemory {
  const threshold = job.zero?.stage === 3 ? (job.zero.stage3_param_persistence_threshold ?? ZERO_DEFAULTS.stage3_param_persistence_threshold) : 0;
  const full = rankParams(job.model, peftParams, SINGLE, 'only', threshold);
  const rank = rankParams(job.model, peftParams, d, stage, threshold);
  const fullParams = full.base + full.adapter;
  const paramShare = (rank.base + rank.adapter) / fullParams;
  const trainShare = job.peft && full.adapter > 0 ? rank.adapter / full.adapter : paramShare;
  const masterGrads = state.detail.master_grad_bytes ?? 0;
  const replica: ReplicaStates = {
    weights: state.weights * paramShare,
    grads: (state.gradients - masterGrads) * trainShare,
    master_grads: masterGrads * trainShare,
    optimizer_states: state.optimizer_states * trainShare,
    weight_bytes: plan.param === 'half' ? 2 : 4,
    compute_bytes: plan.param === 'half' || plan.autocast ? 2 : 4,
    params: rank,
    expert_group: Math.max(1, Math.floor(d.dp / d.ep)),
  };
  const dp = job.zero ? zeroShare(job.zero, replica, d.dp) : job.fsdp ? fsdpShare(job.fsdp, replica, d.dp) : ddpShare(replica, d.dp);
  const acts = rankActivations(job, act, d, stage, rank.layers / job.model.num_layers, trainShare);
  // FSDP's mixed-precision policy gathers half parameters: autocast finds nothing to cast
  const casts = job.fsdp && plan.autocast ? 0 : acts.autocast_weight_copies;
  const pipelineBatches = d.pp > 1 ? d.micro_batches : job.grad_accum;
  return {
    weights: Math.round(dp.weights),
    gradients: Math.round(dp.gradients),
    optimizer_states: Math.round(dp.optimizer_states),
    activations: Math.round(acts.activations),
    autocast_weight_copies: Math.round(casts),
    buffers: Math.round(dp.buffers),
    host: { cpu_bytes: Math.round(dp.host.cpu_bytes), nvme_bytes: Math.round(dp.host.nvme_bytes) },
    layout: {
      tensor: d.tp,
      pipeline: d.pp,
      data: d.dp,
      expert: d.ep,
      sequence_parallel: d.sp,
      shard_size: dp.shard_size,
      stage,
      layers_on_stage: rank.layers,
      micro_batches_in_flight: acts.in_flight,
      effective_batch: job.micro_batch * pipelineBatches * d.dp,
    },
    // ddp_grad_buckets stays a key (0) under ZeRO/FSDP, as before sharding was modelled
    detail: Object.fromEntries(Object.entries({ ddp_grad_buckets: 0, ...dp.detail, ...acts.detail }).map(([k, v]) => [k, Math.round(v)])),
    notes: dp.notes,
  };
}

const onGpu = (m: ShardedMemory): number =>
  m.weights + m.gradients + m.optimizer_states + m.activations + m.autocast_weight_copies + m.buffers;

export function shardMemory(job: TrainingJob, plan: PrecisionPlan, state: StateBytes, act: ActivationCount): ShardedMemory {
  const { degrees, notes } = parallelDegrees(job);
  if (job.zero && job.fsdp) notes.push('Both ZeRO and FSDP are set; ZeRO is used.');
  const peftParams = peftAddedParams(job.model, job.peft);
  const stages = stagesOf(degrees).map((s) => stageMemory(job, plan, state, act, degrees, s, peftParams));
  const worst = stages.reduce((a, b) => (onGpu(b) > onGpu(a) ? b : a));
  if (degrees.pp > 1) {
    notes.push(`Pipeline: ${degrees.pp} stages, ${degrees.schedule === 'gpipe' ? 'GPipe' : '1F1B'} schedule with ${degrees.micro_batches} micro-batches; the ${worst.layout.stage} stage (${worst.layout.layers_on_stage} layers, ${worst.layout.micro_batches_in_flight} micro-batches in flight) is the fuller one and is reported.`);
  }
  return { ...worst, notes: [...notes, ...worst.notes] };
}
