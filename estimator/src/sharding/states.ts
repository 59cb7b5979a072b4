/**
 * Model states of one model-parallel rank before data-parallel sharding, and what a data-parallel scheme (DDP,
 * DeepSpeed ZeRO, PyTorch FSDP) leaves of them on the GPU and on the host.
 */
import type { HostMemory } from '../types';
import type { RankParams } from './parallel';

export interface ReplicaStates {
  weights: number;
  /** Gradients in the parameters' dtype. */
  grads: number;
  /** The fp32 gradient copy a master-weight optimizer keeps (0 without master weights). */
  master_grads: number;
  /** Optimizer states, fp32 master weights included. */
  optimizer_states: number;
  /** Bytes per parameter of the parameters' dtype (2 half, 4 fp32): gathered parameters, gradient buckets. */
  weight_bytes: number;
  /** Bytes per parameter of the dtype the forward computes in (FSDP's unsharded parameters). */
  compute_bytes: number;
  params: RankParams;
  /** Data-parallel ranks an expert's states are sharded over: data-parallel size / expert-parallel size. */
  expert_group: number;
}

/**
 * What one rank keeps of `bytes` of model states sharded over `n` ranks: dense parameters over all n, expert
 * parameters over their expert-data-parallel group (DeepSpeed-MoE puts expert parameters in their own groups,
 * partitioned over dp / ep ranks: deepspeed/moe/utils.py split_params_into_different_moe_groups_for_optimizer).
 */
export function shardOf(bytes: number, s: ReplicaStates, n: number): number {
  const total = s.params.base + s.params.adapter;
  const expert = total > 0 ? s.params.experts / total : 0;
  return (bytes * (1 - expert)) / n + (bytes * expert) / Math.max(1, Math.min(n, s.expert_group));
}

/** Per-GPU bytes after data-parallel sharding. `buffers` are communication buffers and gathered parameters. */
export interface DpShare {
  weights: number;
  gradients: number;
  optimizer_states: number;
  buffers: number;
  host: HostMemory;
  /** Ranks the model states are sharded over (1: replicated). */
  shard_size: number;
  detail: Record<string, number>;
  notes: string[];
}

export const NO_HOST: HostMemory = { cpu_bytes: 0, nvme_bytes: 0 };
