/**
 * FSDP as a trainer YAML (axolotl) states it, which the HF Trainer hands to accelerate's FSDP plugin:
 * - the legacy `fsdp` list of TrainingArguments options (transformers trainer_utils.FSDPOption: `full_shard`,
 *   `shard_grad_op`, `no_shard`, `hybrid_shard`, `hybrid_shard_zero2`, `offload`, `auto_wrap`);
 * - `fsdp_config`, whose keys axolotl takes with or without the `fsdp_` prefix (axolotl utils/schemas/fsdp.py
 *   FSDPConfig and its validation, which strips the prefix): `offload_params`, `reshard_after_forward` (FSDP2: a
 *   bool; false keeps gradients-and-optimizer sharding only), `sharding_strategy` (FSDP1), `activation_checkpointing`;
 *   `fsdp_version` at the top level or inside. A `fsdp_config` alone turns FSDP on (the list is deprecated there).
 * The plugin's default strategy is FULL_SHARD (accelerate utils/dataclasses.py FullyShardedDataParallelPlugin).
 */
import type { FsdpConfig } from '../../../estimator/src/types';
import type { YamlMap, YamlValue } from '../launch/yaml-lite';
import { strategyName } from './launch-settings';

export interface TrainerFsdp {
  value: FsdpConfig;
  /** The dotted key that decides the strategy (for the value's source), and why. */
  key: string;
  reason: string;
  /** `activation_checkpointing: true` in fsdp_config: accelerate checkpoints each wrapped layer. */
  checkpointing?: { key: string; value: boolean };
}

const LIST_STRATEGIES: Record<string, FsdpConfig['strategy']> = {
  full_shard: 'FULL_SHARD', shard_grad_op: 'SHARD_GRAD_OP', no_shard: 'NO_SHARD', hybrid_shard: 'HYBRID_SHARD', hybrid_shard_zero2: 'HYBRID_SHARD',
};

export function trainerFsdp(root: YamlMap): TrainerFsdp | undefined {
  const list = optionList(root.fsdp);
  const config = isMap(root.fsdp_config) ? root.fsdp_config : undefined;
  if (!list.length && !config) return undefined;
  /** A fsdp_config key under either of its names, with the dotted path it is written at. */
  const cfg = (name: string): { key: string; value: YamlValue } | undefined => {
    for (const written of [`fsdp_${name}`, name]) if (config && config[written] !== undefined && config[written] !== null) return { key: `fsdp_config.${written}`, value: config[written] };
    return undefined;
  };
  const truthy = (v: YamlValue | undefined) => v === true || v === 'true';
  const reshard = cfg('reshard_after_forward');
  const listed = list.find((o) => Object.hasOwn(LIST_STRATEGIES, o));
  const legacy = cfg('sharding_strategy');
  let strategy: FsdpConfig['strategy'];
  let key: string;
  let reason: string;
  if (reshard && typeof reshard.value === 'boolean') {
    strategy = reshard.value ? 'FULL_SHARD' : 'SHARD_GRAD_OP';
    ({ key } = reshard);
    reason = `${key}: ${String(reshard.value)} (${reshard.value ? 'parameters resharded after the forward' : 'parameters kept gathered between forward and backward'})`;
  } else if (listed) {
    strategy = LIST_STRATEGIES[listed];
    key = 'fsdp';
    reason = `fsdp: [${list.join(', ')}]`;
  } else if (legacy || reshard) {
    const at = (legacy ?? reshard)!;
    strategy = strategyName(at.value);
    key = at.key;
    reason = `${key}: ${String(at.value)}`;
  } else {
    strategy = 'FULL_SHARD';
    key = list.length ? 'fsdp' : 'fsdp_config';
    reason = `${key} names no sharding strategy: accelerate's FSDP plugin default FULL_SHARD`;
  }
  const cpu_offload = list.includes('offload') || truthy(cfg('offload_params')?.value);
  const ckpt = cfg('activation_checkpointing');
  return { value: { strategy, cpu_offload }, key, reason, ...(ckpt ? { checkpointing: { key: ckpt.key, value: truthy(ckpt.value) } } : {}) };
}

/** The `fsdp` option list: a YAML list, or the Trainer's space-separated string ("full_shard auto_wrap"). */
function optionList(v: YamlValue | undefined): string[] {
  const items = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/\s+/) : [];
  return items.map((s) => s.trim().toLowerCase()).filter(Boolean);
}

function isMap(v: YamlValue | undefined): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
