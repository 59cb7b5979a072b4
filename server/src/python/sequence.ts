/**
 * How many items a Python sequence holds, read statically when only its length matters (a batch
 * of prompts): list and tuple literals, `[x] * n`, `a + b`, comprehensions over `range(n)` or over
 * a sequence of known length (without an `if` filter), `list(x)`, and names bound to those. A
 * list that grows (`prompts.append(...)`) or is read from a file is unknown, with the reason.
 */
import type { Node } from 'web-tree-sitter';
import type { PythonFacts } from './facts';
import { clip, type Evaluated, type Evaluator } from './evaluate';

const MAX_DEPTH = 16;

export type Length = { ok: true; value: number; via: string[]; node: Node } | { ok: false; reason: string };

export function lengthOf(ev: Evaluator, facts: PythonFacts, node: Node, depth = 0): Length {
  if (depth > MAX_DEPTH) return { ok: false, reason: 'too many indirections' };
  const at = (value: number, via: string[] = []): Length => ({ ok: true, value, via, node });
  switch (node.type) {
    case 'string':
      return at(1, [`one prompt \`${clip(node.text, 24)}\``]);
    case 'parenthesized_expression':
      return node.namedChildren[0] ? lengthOf(ev, facts, node.namedChildren[0], depth + 1) : { ok: false, reason: 'empty parentheses' };
    case 'list':
    case 'tuple': {
      const items = node.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      if (items.some((c) => c.type === 'list_splat')) return { ok: false, reason: `\`${clip(node.text)}\` unpacks another sequence` };
      return at(items.length, [`${items.length} items in the literal at line ${line(node)}`]);
    }
    case 'binary_operator':
      return binary(ev, facts, node, depth);
    case 'list_comprehension':
      return comprehension(ev, facts, node, depth);
    case 'call':
      return call(ev, facts, node, depth);
    case 'identifier':
      return named(ev, facts, node, depth);
    default:
      return { ok: false, reason: `the length of \`${clip(node.text)}\` is known only at run time` };
  }
}

function binary(ev: Evaluator, facts: PythonFacts, node: Node, depth: number): Length {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const op = node.childForFieldName('operator')?.text;
  if (!left || !right) return { ok: false, reason: 'incomplete expression' };
  if (op === '+') {
    const a = lengthOf(ev, facts, left, depth + 1);
    const b = a.ok ? lengthOf(ev, facts, right, depth + 1) : a;
    return a.ok && b.ok ? { ok: true, value: a.value + b.value, via: [...a.via, ...b.via], node } : a.ok ? b : a;
  }
  if (op !== '*') return { ok: false, reason: `\`${clip(node.text)}\` is not a sequence TrainLens measures` };
  // `[x] * n` or `n * [x]`: whichever side is a number repeats the other.
  for (const [seq, count] of [[left, right], [right, left]]) {
    const n = ev.evaluate(count, depth + 1);
    if (!n.ok || typeof n.value !== 'number' || !Number.isInteger(n.value)) continue;
    const inner = lengthOf(ev, facts, seq, depth + 1);
    if (!inner.ok) return inner;
    return { ok: true, value: inner.value * Math.max(0, n.value), via: [...inner.via, ...n.via, `× ${n.value} (line ${line(node)})`], node };
  }
  return { ok: false, reason: `\`${clip(node.text)}\` repeats by a count known only at run time` };
}

/** `[f(i) for i in range(64)]`: as long as what it iterates, when nothing filters it. */
function comprehension(ev: Evaluator, facts: PythonFacts, node: Node, depth: number): Length {
  const clauses = node.namedChildren.filter((c): c is Node => !!c && (c.type === 'for_in_clause' || c.type === 'if_clause'));
  if (clauses.length !== 1 || clauses[0].type !== 'for_in_clause') return { ok: false, reason: `\`${clip(node.text)}\` filters or nests its loop` };
  const iterable = clauses[0].childForFieldName('right');
  if (!iterable) return { ok: false, reason: 'incomplete comprehension' };
  const inner = lengthOf(ev, facts, iterable, depth + 1);
  return inner.ok ? { ...inner, node, via: [...inner.via, `one prompt per item (line ${line(node)})`] } : inner;
}

/** `range(...)` and `list(x)` / `tuple(x)`. */
function call(ev: Evaluator, facts: PythonFacts, node: Node, depth: number): Length {
  const fn = node.childForFieldName('function')?.text;
  const args = node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') ?? [];
  if ((fn === 'list' || fn === 'tuple') && args.length === 1) return lengthOf(ev, facts, args[0], depth + 1);
  if (fn !== 'range' || args.length < 1 || args.length > 3 || args.some((a) => a.type === 'keyword_argument')) {
    return { ok: false, reason: `the length of \`${clip(node.text)}\` is known only at run time` };
  }
  const values = args.map((a) => ev.evaluate(a, depth + 1));
  const failed = values.find((v): v is Evaluated & { ok: false } => !v.ok);
  if (failed) return { ok: false, reason: failed.reason };
  const nums = values.map((v) => (v.ok ? v.value : null));
  if (!nums.every((n): n is number => typeof n === 'number' && Number.isInteger(n))) return { ok: false, reason: `\`${clip(node.text)}\` is not a range of integers` };
  const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) return { ok: false, reason: 'range() with step 0' };
  const count = Math.max(0, Math.ceil((stop - start) / step));
  return { ok: true, value: count, via: [...values.flatMap((v) => (v.ok ? v.via : [])), `${clip(node.text)} has ${count} items`], node };
}

/** A name: its last assignment before the use, unless the list grows in place anywhere. */
function named(ev: Evaluator, facts: PythonFacts, node: Node, depth: number): Length {
  const grows = facts.calls.find((c) => c.receiver?.text === node.text && ['append', 'extend', 'insert', '__iadd__'].includes(c.callee));
  if (grows) return { ok: false, reason: `\`${node.text}\` grows at run time (line ${line(grows.call)})` };
  const prior = (facts.assignments.get(node.text) ?? []).filter((a) => a.assignment.endIndex <= node.startIndex);
  const last = prior[prior.length - 1];
  if (!last) return { ok: false, reason: `\`${node.text}\` is not assigned before this line` };
  const inner = lengthOf(ev, facts, last.value, depth + 1);
  return inner.ok ? { ...inner, via: [`${node.text} = ${clip(last.value.text)} (line ${line(last.assignment)})`, ...inner.via] } : inner;
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}
