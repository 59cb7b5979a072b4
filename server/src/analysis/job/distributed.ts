/**
 * How many GPUs and how the model is spread over them: PyTorch FSDP (`FSDP(...)`, HF
 * `TrainingArguments(fsdp=...)`), DDP. DeepSpeed ZeRO comes from the DeepSpeed config (deepspeed.ts)
 * and launch commands from launch.ts.
 */
import type { FsdpConfig } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import { keyword } from '../../python/call-args';
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
  const hf = ctx.taKeyword('fsdp');
  if (!hf?.value.ok) return undefined;
  const raw = hf.value.value;
  const options = (Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : typeof raw === 'string' ? raw.split(/\s+/) : [])
    .map((o) => o.toLowerCase());
  if (options.length === 0 || (options.length === 1 && options[0] === '')) return undefined;
  const strategy = STRATEGIES.find((s) => options.includes(s.toLowerCase())) ?? (options.includes('hybrid_shard_zero2') ? 'HYBRID_SHARD' : 'FULL_SHARD');
  const config: FsdpConfig = { strategy, cpu_offload: options.includes('offload') };
  ctx.values.fsdp = { value: config, status: 'known', source: { file: ctx.file, range: { start: { line: hf.site.startPosition.row, character: hf.site.startPosition.column }, end: { line: hf.site.endPosition.row, character: hf.site.endPosition.column } } }, reason: `TrainingArguments fsdp="${options.join(' ')}"` };
  return config;
}
