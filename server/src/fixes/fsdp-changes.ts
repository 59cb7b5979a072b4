/**
 * FSDP full shard, with or without CPU offload, where the script sets FSDP up:
 * - `FSDP(model, ...)` / `FullyShardedDataParallel(...)`: `sharding_strategy=ShardingStrategy.FULL_SHARD` and
 *   `cpu_offload=CPUOffload(offload_params=True)` (torch.distributed.fsdp API), replaced or added, with the
 *   imports added when the script does not import those names;
 * - `TrainingArguments(fsdp="...")`: the option string rewritten to "full_shard offload ..." (transformers
 *   FSDPOption: full_shard, shard_grad_op, no_shard, hybrid_shard, offload, auto_wrap), other options kept.
 * FSDP2 `fully_shard(...)` and accelerate's fsdp_config are not written here.
 */
import type { Node } from 'web-tree-sitter';
import type { TrainingJob } from '../../../estimator/src/types';
import { rangeOf } from '../analysis/values';
import type { EditIntent } from './intents';
import type { WriterContext } from './context';

const STRATEGY_OPTIONS = ['full_shard', 'shard_grad_op', 'no_shard', 'hybrid_shard', 'hybrid_shard_zero2', 'offload'];

export function fsdp(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const target = job.fsdp;
  const info = ctx.script.values.fsdp;
  if (!target || !ctx.root || info?.status !== 'known' || info.source?.file !== ctx.uri) return undefined;
  const { start, end } = info.source.range;
  let node: Node | null = ctx.root.descendantForPosition({ row: start.line, column: start.character }, { row: end.line, column: end.character });
  while (node && node.type !== 'call' && node.type !== 'keyword_argument' && node.type !== 'pair') node = node.parent;
  if (!node) return undefined;
  if (node.type === 'call') return wrapCall(ctx, node, target.cpu_offload);
  return trainingArgsOption(ctx, node, target.cpu_offload);
}

function wrapCall(ctx: WriterContext, call: Node, offload: boolean): EditIntent[] | undefined {
  const callee = call.childForFieldName('function')?.text ?? '';
  const args = call.childForFieldName('arguments');
  if (!/\b(FSDP|FullyShardedDataParallel)$/.test(callee) || !args) return undefined;
  const keywords = new Map(args.namedChildren.filter((c): c is Node => c?.type === 'keyword_argument').map((k) => [k.childForFieldName('name')?.text, k.childForFieldName('value')]));
  const intents: EditIntent[] = [];
  const set = (name: string, value: string, importName: string) => {
    const written = keywords.get(name);
    if (written) intents.push({ kind: 'replace', uri: ctx.uri, range: rangeOf(written), newText: value });
    else intents.push({ kind: 'keyword', args, text: `${name}=${value}` });
    if (!imports(ctx.root!, importName)) intents.push({ kind: 'import', line: `from torch.distributed.fsdp import ${importName}` });
  };
  // absent sharding_strategy is FULL_SHARD already (FullyShardedDataParallel's default)
  const strategy = keywords.get('sharding_strategy');
  if (strategy && !/FULL_SHARD$/.test(strategy.text)) set('sharding_strategy', 'ShardingStrategy.FULL_SHARD', 'ShardingStrategy');
  if (offload) set('cpu_offload', 'CPUOffload(offload_params=True)', 'CPUOffload');
  return intents.length ? intents : undefined;
}

/** Whether a top-level import of the script binds `name` (`from torch.distributed.fsdp import (..., name, ...)`). */
function imports(root: Node, name: string): boolean {
  return root.namedChildren.some((c) => (c?.type === 'import_from_statement' || c?.type === 'import_statement') && new RegExp(`\\b${name}\\b`).test(c.text));
}

/** `fsdp="shard_grad_op auto_wrap"` → `fsdp="full_shard offload auto_wrap"` (a string literal only). */
function trainingArgsOption(ctx: WriterContext, site: Node, offload: boolean): EditIntent[] | undefined {
  const value = site.childForFieldName('value');
  const literal = value?.type === 'string' ? /^(['"])([^'"\\]*)\1$/.exec(value.text) : null;
  if (!value || !literal) return undefined;
  const rest = literal[2].split(/\s+/).filter((o) => o && !STRATEGY_OPTIONS.includes(o.toLowerCase()));
  const options = ['full_shard', ...(offload ? ['offload'] : []), ...rest].join(' ');
  return [{ kind: 'replace', uri: ctx.uri, range: rangeOf(value), newText: `${literal[1]}${options}${literal[1]}` }];
}
