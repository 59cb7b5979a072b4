/**
 * FSDP full shard, with or without CPU offload, where the script sets FSDP up:
 * - `FSDP(model, ...)` / `FullyShardedDataParallel(...)`: `sharding_strategy=ShardingStrategy.FULL_SHARD` and
 *   `cpu_offload=CPUOffload(offload_params=True)` (torch.distributed.fsdp API), replaced or added, with the
 *   imports added when the script does not import those names;
 * - `TrainingArguments(fsdp="...")`: the option string rewritten to "full_shard offload ..." (transformers
 *   FSDPOption: full_shard, shard_grad_op, no_shard, hybrid_shard, offload, auto_wrap), other options kept;
 * - an accelerate config file's `fsdp_config` block (accelerate/commands/config/config_args.py keys):
 *   `fsdp_sharding_strategy: FULL_SHARD` (or `fsdp_reshard_after_forward: true`) and `fsdp_offload_params: true`,
 *   replaced or added at the block's indentation.
 * FSDP2 `fully_shard(...)` is not written here.
 */
import type { Node } from 'web-tree-sitter';
import type { TrainingJob } from '../../../estimator/src/types';
import { rangeOf } from '../analysis/values';
import { uriToPath } from '../workspace/files';
import type { EditIntent } from './intents';
import type { WriterContext } from './context';

const STRATEGY_OPTIONS = ['full_shard', 'shard_grad_op', 'no_shard', 'hybrid_shard', 'hybrid_shard_zero2', 'offload'];

export function fsdp(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const target = job.fsdp;
  const info = ctx.script.values.fsdp;
  if (!target || info?.status !== 'known' || !info.source) return undefined;
  if (/\.ya?ml$/i.test(info.source.file)) return accelerateConfig(ctx, info.source.file, target.cpu_offload);
  if (!ctx.root || info.source.file !== ctx.uri) return undefined;
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

/** The accelerate config's `fsdp_config:` block, its keys set (values replaced in place, missing keys appended). */
function accelerateConfig(ctx: WriterContext, uri: string, offload: boolean): EditIntent[] | undefined {
  const path = uriToPath(uri);
  const read = path && ctx.files?.read(path, ctx.uri);
  if (!read || !read.ok) return undefined;
  const lines = read.text.split(/\r?\n/);
  const head = lines.findIndex((l) => /^fsdp_config:\s*$/.test(l));
  if (head < 0) return undefined;
  let last = head;
  while (last + 1 < lines.length && (/^\s+\S/.test(lines[last + 1]) || lines[last + 1].trim() === '')) last++;
  while (last > head && lines[last].trim() === '') last--;
  if (last === head) return undefined;
  const indent = /^\s*/.exec(lines[head + 1])![0];
  const intents: EditIntent[] = [];
  const added: string[] = [];
  /** Sets `key` to what `value` gives for its current text; appends it when absent and `add`. */
  const set = (key: string, value: (current?: string) => string, add: boolean) => {
    for (let row = head + 1; row <= last; row++) {
      const m = new RegExp(`^(\\s*${key}:\\s*)(\\S+)`).exec(lines[row]);
      if (m) {
        if (m[2] !== value(m[2])) intents.push({ kind: 'replace', uri, range: { start: { line: row, character: m[1].length }, end: { line: row, character: m[0].length } }, newText: value(m[2]) });
        return;
      }
    }
    if (add) added.push(`${indent}${key}: ${value()}`);
  };
  // fsdp_reshard_after_forward: a bool for FSDP2, a strategy name for FSDP1; fsdp_sharding_strategy (absent: FULL_SHARD)
  set('fsdp_reshard_after_forward', (v) => (/^(true|false)$/i.test(v ?? '') ? 'true' : 'FULL_SHARD'), false);
  set('fsdp_sharding_strategy', () => 'FULL_SHARD', false);
  if (offload) set('fsdp_offload_params', () => 'true', true);
  if (added.length) {
    const at = { line: last, character: lines[last].length };
    intents.push({ kind: 'replace', uri, range: { start: at, end: at }, newText: added.map((l) => `\n${l}`).join('') });
  }
  return intents.length ? intents : undefined;
}
