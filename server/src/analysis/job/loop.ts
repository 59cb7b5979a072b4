/**
 * What a hand-written training loop's shape says: how many optimizer steps the run takes (the
 * bound of the loop that holds `optimizer.step()`) and whether gradients accumulate (a step after
 * every `backward()` in the same block means none). Read from the nodes around the calls; nothing
 * is run.
 */
import type { Node } from 'web-tree-sitter';
import { callsNamed, type CallFact } from '../../python/facts';
import { lengthOf } from '../../python/sequence';
import type { KeywordValue } from '../../python/call-args';
import type { JobContext } from './context';

/** `optimizer.step()`, `opt.step()`, `scaler.step(optimizer)`; not a scheduler's step, nor a DeepSpeed engine's (it accumulates by its config). */
function optimizerSteps(ctx: JobContext): CallFact[] {
  return callsNamed(ctx.facts, 'step').filter((c) => {
    const receiver = c.receiver?.text.split('.').pop() ?? '';
    return /optim|^opt$|scaler/i.test(receiver) && !/sched/i.test(receiver);
  });
}

/** The block a call's statement sits in (a loop or `if` body, or the module). */
function blockOf(node: Node): Node | undefined {
  for (let n: Node | null = node; n; n = n.parent) {
    if (n.parent?.type === 'block' || n.parent?.type === 'module') return n.parent;
  }
  return undefined;
}

/** Node objects are made afresh on each walk: the same node is the same span. */
const same = (a: Node | undefined, b: Node | undefined) => !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex;

const line = (node: Node) => node.startPosition.row + 1;

/**
 * Gradient accumulation 1 when every `backward()` is followed, in its own block, by an optimizer
 * step: each micro-batch's gradients are applied at once. Not under `accelerator.accumulate(...)`,
 * whose steps the launch configuration can turn into accumulation.
 */
export function stepAfterEveryBackward(ctx: JobContext): KeywordValue | undefined {
  const backwards = callsNamed(ctx.facts, 'backward');
  if (!backwards.length || callsNamed(ctx.facts, 'accumulate').length) return undefined;
  const steps = optimizerSteps(ctx);
  let last: CallFact | undefined;
  for (const b of backwards) {
    const block = blockOf(b.call);
    last = steps.find((s) => same(blockOf(s.call), block) && s.call.startIndex > b.call.endIndex);
    if (!last) return undefined;
  }
  const site = last!.call;
  return { site, value: { ok: true, value: 1, node: site, via: [`${site.text} follows each backward() in the same block (line ${line(site)}): no accumulation`] } };
}

/**
 * Optimizer steps of the run from the loop around `optimizer.step()`: `for _ in range(n)` whose
 * body holds it, or `while i < n` whose counter `i += 1` sits beside it (starting from the value
 * `i` was given before the loop).
 */
export function loopSteps(ctx: JobContext): KeywordValue | undefined {
  for (const step of optimizerSteps(ctx)) {
    const block = blockOf(step.call);
    const loop = block?.parent;
    const iterable = loop?.type === 'for_statement' ? loop.childForFieldName('right') : undefined;
    if (iterable?.type === 'call' && iterable.childForFieldName('function')?.text === 'range') {
      const count = lengthOf(ctx.ev, ctx.facts, iterable);
      if (count.ok) return { site: iterable, value: { ok: true, value: count.value, node: iterable, via: [...count.via, `one optimizer step per iteration (line ${line(step.call)})`] } };
    }
    for (let n = loop; n; n = n.parent) {
      if (n.type !== 'while_statement') continue;
      const bound = whileBound(ctx, n, block!);
      if (bound) return bound;
    }
  }
  return undefined;
}

/** `while i < n` / `while i <= n` with `i += 1` in `block`, `i` a whole number before the loop: n - i (+1) iterations. */
function whileBound(ctx: JobContext, loop: Node, block: Node): KeywordValue | undefined {
  const condition = loop.childForFieldName('condition');
  if (condition?.type !== 'comparison_operator') return undefined;
  const [counter, limit] = condition.namedChildren;
  const op = condition.children.find((c) => c && !c.isNamed)?.text;
  if (counter?.type !== 'identifier' || !limit || (op !== '<' && op !== '<=')) return undefined;
  const counts = (ctx.facts.augmented.get(counter.text) ?? []).some((a) => a.value.text === '1' && /\+=/.test(a.assignment.text) && same(blockOf(a.assignment), block));
  const before = (ctx.facts.assignments.get(counter.text) ?? []).filter((a) => a.assignment.endIndex <= loop.startIndex).pop();
  if (!counts || !before) return undefined;
  const start = ctx.ev.evaluate(before.value);
  const end = ctx.ev.evaluate(limit);
  if (!start.ok || !end.ok || !Number.isInteger(start.value) || !Number.isInteger(end.value)) return undefined;
  const value = (end.value as number) - (start.value as number) + (op === '<=' ? 1 : 0);
  if (value <= 0) return undefined;
  return { site: limit, value: { ...end, value, via: [...end.via, `\`${condition.text}\` from ${counter.text} = ${String(start.value)}, ${counter.text} += 1 beside the optimizer step (line ${line(loop)})`] } };
}
