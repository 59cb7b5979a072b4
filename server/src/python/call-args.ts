/**
 * Keyword arguments of a call as Python would bind them: written keywords first, then the entries
 * of `**mapping` spreads that resolve to dicts (`TrainingArguments(**config)`).
 */
import type { Node } from 'web-tree-sitter';
import type { CallFact } from './facts';
import { isDict, type Evaluated, type Evaluator } from './evaluate';

export interface KeywordValue {
  /** Where the argument is written: the `keyword_argument` node, or the dict entry it came from. */
  site: Node;
  value: Evaluated;
}

export function keyword(evaluator: Evaluator, call: CallFact, name: string): KeywordValue | undefined {
  const written = call.keywords.get(name);
  const valueNode = written?.childForFieldName('value');
  if (written && valueNode) return { site: written, value: evaluator.evaluate(valueNode) };
  for (const spread of call.spreads) {
    const mapping = evaluator.evaluate(spread);
    if (!mapping.ok || !isDict(mapping.value)) continue;
    const value = evaluator.lookup(mapping.value, name);
    if (!value) continue;
    const entry = mapping.value.entries.get(name);
    const via = `**${spread.text} (line ${spread.startPosition.row + 1})`;
    return { site: entry?.parent ?? entry ?? value.node, value: value.ok ? { ...value, via: [via, ...mapping.via, ...value.via] } : value };
  }
  return undefined;
}

/** The first positional argument, or the keyword that can stand for it. */
export function firstArgument(evaluator: Evaluator, call: CallFact, keywordName: string): KeywordValue | undefined {
  const first = call.positional[0];
  if (first) return { site: first, value: evaluator.evaluate(first) };
  return keyword(evaluator, call, keywordName);
}
