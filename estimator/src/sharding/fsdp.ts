/**
 * PyTorch FSDP: what each GPU keeps when parameters, gradients and optimizer states are sharded, and the unsharded
 * units in flight.
 *
 * Sources: Zhao et al. 2023, "PyTorch FSDP: Experiences on Scaling Fully Sharded Data Parallel" (Sec. 3.2 sharding
 * strategies, Sec. 4.2 prefetching and the rate limiter: at most two all-gathered units in flight), and
 * torch/distributed/fsdp/api.py ShardingStrategy:
 * - FULL_SHARD: parameters, gradients, optimizer states sharded over the group; a unit's parameters are gathered
 *   for its forward and again for its backward and freed after. Under the transformer auto-wrap policy a unit is
 *   one decoder layer; the root unit (embeddings, final norm, output layer) is not resharded between forward and
 *   backward. In flight: the root, the current layer and the prefetched next one, plus the unsharded gradient of
 *   the layer being back-propagated before its reduce-scatter.
 * - SHARD_GRAD_OP: parameters stay unsharded from the forward through the backward (ZeRO-2-like): all of them in flight.
 * - NO_SHARD: DDP-like, nothing sharded.
 * - HYBRID_SHARD: FULL_SHARD inside a group of shard_group_size GPUs (a node), replicated across groups.
 * MixedPrecision(param_dtype=half) keeps the sharded parameters in full precision (the optimizer steps on them) and
 * gathers half copies for compute, so the units in flight are in the compute dtype and autocast has nothing to cast.
 * CPUOffload(offload_params=True) keeps the sharded parameters, their gradients and the optimizer step on the CPU.
 */
import type { FsdpConfig } from '../types';
import { shardOf, type DpShare, type ReplicaStates } from './states';

/** GPUs per node assumed for HYBRID_SHARD when the job does not say (8-GPU nodes: DGX A100/H100, p4d/p5). */
export const DEFAULT_GPUS_PER_NODE = 8;

export function fsdpShardSize(f: FsdpConfig, dp: number, notes: string[]): number {
  if (f.strategy === 'NO_SHARD') return 1;
  if (f.strategy !== 'HYBRID_SHARD') return dp;
  if (f.shard_group_size !== undefined && Number.isInteger(f.shard_group_size) && f.shard_group_size >= 1) return Math.min(dp, f.shard_group_size);
  notes.push(`HYBRID_SHARD: sharded within ${Math.min(dp, DEFAULT_GPUS_PER_NODE)} GPUs (a node of ${DEFAULT_GPUS_PER_NODE} assumed).`);
  return Math.min(dp, DEFAULT_GPUS_PER_NODE);
}

export function fsdpShare(f: FsdpConfig, s: ReplicaStates, dp: number): DpShare {
  const notes: string[] = [];
  const n = fsdpShardSize(f, dp, notes);
  const c = s.compute_bytes;
  const p = s.params;
  let unitParams = 0;
  if (f.strategy === 'SHARD_GRAD_OP') unitParams = p.base + p.adapter;
  else if (f.strategy === 'NO_SHARD') unitParams = c !== s.weight_bytes ? p.base + p.adapter : 0;
  else if (n > 1 || c !== s.weight_bytes) unitParams = p.root + Math.min(2, p.layers) * p.per_layer;
  const unitGrads = f.strategy === 'NO_SHARD' ? 0 : p.per_layer;
  const weights = shardOf(s.weights, s, n);
  const gradients = shardOf(s.grads + s.master_grads, s, n);
  const optimizer = shardOf(s.optimizer_states, s, n);
  const offload = f.cpu_offload;
  return {
    weights: offload ? 0 : weights,
    gradients: offload ? 0 : gradients,
    optimizer_states: offload ? 0 : optimizer,
    buffers: (unitParams + unitGrads) * c,
    host: { cpu_bytes: offload ? weights + gradients + optimizer : 0, nvme_bytes: 0 },
    shard_size: n,
    detail: { fsdp_unsharded_params: unitParams * c, fsdp_unsharded_grads: unitGrads * c },
    notes,
  };
}
