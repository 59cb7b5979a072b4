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
  /** Bytes per parameter as stored (2 half, 4 fp32). */
  weight_bytes: number;
  /** Bytes per parameter of the dtype the forward computes in (FSDP's unsharded parameters). */
  compute_bytes: number;
  params: RankParams;
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
