/**
 * `[m.strip() for m in names.split(",") if m]`: a list comprehension over a list the evaluator reads, with
 * one `for` over a plain name and a pure expression per item (a value of the item and of what the file
 * already determines), evaluated item by item with the name bound. Nested loops and tuple targets are
 * not read. Bounded by MAX_REPEATED, like repeated lists.
 */
import type { Node } from 'web-tree-sitter';
import { clip, truthy, type Evaluated, type Evaluator, type PyValue } from './evaluate';
import { MAX_REPEATED } from './operators';

export function listComprehension(ev: Evaluator, node: Node, depth: number): Evaluated {
  const body = node.childForFieldName('body');
  const clauses = node.namedChildren.filter((c): c is Node => !!c && (c.type === 'for_in_clause' || c.type === 'if_clause'));
  const loop = clauses[0];
  const target = loop?.childForFieldName('left');
  const iterable = loop?.childForFieldName('right');
  if (!body || !loop || loop.type !== 'for_in_clause' || !iterable || target?.type !== 'identifier' || clauses.slice(1).some((c) => c.type !== 'if_clause')) {
    return { ok: false, reason: `\`${clip(node.text)}\` is not a single-loop comprehension TrainLens evaluates`, node };
  }
  const items = ev.evaluate(iterable, depth + 1);
  if (!items.ok) return items;
  if (!Array.isArray(items.value) || items.value.length > MAX_REPEATED) return { ok: false, reason: `\`${clip(iterable.text)}\` is not a list TrainLens reads`, node };
  const out: PyValue[] = [];
  for (const item of items.value) {
    const kept = ev.withBinding(node, target.text, item, () => {
      for (const filter of clauses.slice(1)) {
        const test = filter.namedChildren[0] ? ev.evaluate(filter.namedChildren[0], depth + 1) : undefined;
        if (!test?.ok) return test ?? { ok: false as const, reason: 'incomplete if clause', node: filter };
        if (!truthy(test.value)) return undefined;
      }
      return ev.evaluate(body, depth + 1);
    });
    if (kept && !kept.ok) return { ok: false, reason: `\`${clip(node.text)}\`: ${kept.reason}`, node };
    if (kept) out.push(kept.value);
  }
  return { ok: true, value: out, node, via: [...items.via, `${clip(node.text)} = ${clip(JSON.stringify(out), 60)}`], ...(items.origin ? { origin: items.origin } : {}) };
}
