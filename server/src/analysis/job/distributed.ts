/**
 * How many GPUs and how the model is spread over them: PyTorch FSDP (`FSDP(...)`, FSDP2
 * `fully_shard(...)`, HF `TrainingArguments(fsdp=...)`), DDP. DeepSpeed ZeRO comes from the
 * DeepSpeed config (deepspeed.ts) and launch commands from launch.ts.
 */
import type { Node } from 'web-tree-sitter';
import type { FsdpConfig } from '../../../../estimator/src/types';
import { callsNamed, type CallFact } from '../../python/facts';
import { isDtype } from '../../python/evaluate';
import { keyword } from '../../python/call-args';
import { rangeOf } from '../values';
import type { JobContext } from './context';

const STRATEGIES: FsdpConfig['strategy'][] = ['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD', 'HYBRID_SHARD'];

export function fsdp(ctx: JobContext): FsdpConfig | undefined {
  const wrap = callsNamed(ctx.facts, 'FSDP', 'FullyShardedDataParallel')[0];
  if (wrap) {
    const strategyArg = keyword(ctx.ev, wrap, 'sharding_strategy');
    const name = strategyArg?.site.text.match(/(FULL_SHARD|SHARD_GRAD_OP|NO_SHARD|HYBRID_SHARD)/)?.[1] as FsdpConfig['strategy'] | undefined;
    const offload = keyword(ctx.ev, wrap, 'cpu_offload')?.site.text ?? '';
    const config: FsdpConfig = { strategy: name ?? 'FULL_SHARD', cpu_offload: /offload_params\s*=\s*True/.test(offload) };
    ctx.knownAt('fsdp', config, wrap.call, name ? undefined : 'sharding_strategy not given: FSDP default FULL_SHARD');
    return config;
  }
  const shard = callsNamed(ctx.facts, 'fully_shard')[0];
  if (shard) {
    // FSDP2 (torch/distributed/fsdp/_fully_shard/_fully_shard.py): reshard_after_forward=True (the default) is
    // FULL_SHARD, False keeps the unsharded parameters until backward (SHARD_GRAD_OP); CPUOffloadPolicy offloads.
    const reshard = keyword(ctx.ev, shard, 'reshard_after_forward');
    const offload = keyword(ctx.ev, shard, 'offload_policy')?.site.text ?? '';
    const config: FsdpConfig = { strategy: reshard?.value.ok && reshard.value.value === false ? 'SHARD_GRAD_OP' : 'FULL_SHARD', cpu_offload: /CPUOffloadPolicy\s*\(/.test(offload) };
    ctx.knownAt('fsdp', config, shard.call, reshard ? 'fully_shard (FSDP2)' : 'fully_shard (FSDP2): reshard_after_forward default True, FULL_SHARD');
    return config;
  }
  const hf = ctx.taKeyword('fsdp');
  if (!hf?.value.ok) return undefined;
  const raw = hf.value.value;
  const options = (Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : typeof raw === 'string' ? raw.split(/\s+/) : [])
    .map((o) => o.toLowerCase());
  if (options.length === 0 || (options.length === 1 && options[0] === '')) return undefined;
  const strategy = STRATEGIES.find((s) => options.includes(s.toLowerCase())) ?? (options.includes('hybrid_shard_zero2') ? 'HYBRID_SHARD' : 'FULL_SHARD');
  const config: FsdpConfig = { strategy, cpu_offload: options.includes('offload') };
  ctx.values.fsdp = { value: config, status: 'known', source: { file: ctx.file, range: rangeOf(hf.site) }, reason: `TrainingArguments fsdp="${options.join(' ')}"` };
  return config;
}

/** An FSDP mixed-precision policy whose parameters compute in half. */
export interface FsdpMixedPrecision {
  half: 'bf16' | 'fp16';
  /** The `mixed_precision=` / `mp_policy=` argument of the wrap call. */
  site: Node;
  reason: string;
}

/**
 * `FSDP(..., mixed_precision=MixedPrecision(param_dtype=torch.bfloat16, ...))` or FSDP2's
 * `fully_shard(..., mp_policy=MixedPrecisionPolicy(param_dtype=...))`, the policy written inline or
 * held by a variable. Only param_dtype decides memory: it is the dtype of the unsharded parameters
 * and of the activations (torch/distributed/fsdp/api.py MixedPrecision); the sharded parameters
 * stay fp32.
 */
export function fsdpMixedPrecision(ctx: JobContext): FsdpMixedPrecision | undefined {
  const wrap = callsNamed(ctx.facts, 'FSDP', 'FullyShardedDataParallel')[0];
  const shard = wrap ? undefined : callsNamed(ctx.facts, 'fully_shard')[0];
  const arg = wrap ? keyword(ctx.ev, wrap, 'mixed_precision') : shard && keyword(ctx.ev, shard, 'mp_policy');
  const written = arg?.site.childForFieldName('value');
  if (!arg || !written) return undefined;
  const policy = policyCall(ctx, written);
  if (!policy) return undefined;
  const dtypeArg = keyword(ctx.ev, policy, 'param_dtype') ?? (policy.positional[0] ? { site: policy.positional[0], value: ctx.ev.evaluate(policy.positional[0]) } : undefined);
  const dtype = dtypeArg?.value.ok && isDtype(dtypeArg.value.value) ? dtypeArg.value.value.name : undefined;
  const half = dtype === 'bfloat16' ? 'bf16' : dtype === 'float16' ? 'fp16' : undefined;
  if (!half) return undefined;
  const via = written.type === 'identifier' ? `${written.text} = ` : '';
  return { half, site: arg.site, reason: `FSDP ${via}${policy.callee}(param_dtype=torch.${dtype}) at line ${policy.call.startPosition.row + 1}: ${half} compute copies of fp32 sharded parameters` };
}

/** The MixedPrecision(...) call an argument names: written inline, or the last assignment of the variable before it. */
function policyCall(ctx: JobContext, node: Node): CallFact | undefined {
  let target: Node | undefined = node;
  if (node.type === 'identifier') {
    const before = (ctx.facts.assignments.get(node.text) ?? []).filter((a) => a.assignment.endIndex <= node.startIndex);
    target = before[before.length - 1]?.value;
  }
  if (!target || target.type !== 'call') return undefined;
  return callsNamed(ctx.facts, 'MixedPrecision', 'MixedPrecisionPolicy').find((c) => c.call.startIndex === target!.startIndex && c.call.endIndex === target!.endIndex);
}
