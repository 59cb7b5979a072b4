/**
 * `callsNamed` answers from an index by callee name what filtering every call and sorting by start gives (its
 * specification, written out here): on every fixture script, fresh and after an edit (per-statement facts),
 * for each callee name alone and in pairs; ties of chained calls (`m.half().to(d)` start together) keep the
 * calls list's order; a calls list appended to after a lookup is indexed again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { QueryStore } from '../../server/src/parsing/queries';
import { callsNamed, extractPythonFacts, type CallFact, type PythonFacts } from '../../server/src/python/facts';
import { StatementFacts } from '../../server/src/python/statement-facts';
import { corpus } from '../fuzz/corpus';

let parser: Parser;
let queries: QueryStore;

beforeAll(async () => {
  const assets = defaultAssets();
  const languages = await loadLanguages(assets.grammarDir, assets.projectRoot);
  parser = new Parser();
  parser.setLanguage(languages.python);
  queries = new QueryStore(assets.queryDir, languages);
});

/** The specification: every call of one of `names`, sorted by start (a stable sort: ties in list order). */
function filtered(facts: PythonFacts, names: string[]): CallFact[] {
  return facts.calls.filter((c) => names.includes(c.callee)).sort((a, b) => a.call.startIndex - b.call.startIndex);
}

function expectSameLookups(facts: PythonFacts): number {
  const names = [...new Set(facts.calls.map((c) => c.callee))];
  const sets = [...names.map((n) => [n]), ...names.slice(1).map((n, i) => [names[i], n]), ['not_called'], [names[0] ?? 'x', names[0] ?? 'x']];
  for (const set of sets) expect(callsNamed(facts, ...set), set.join(', ')).toEqual(filtered(facts, set));
  return sets.length;
}

describe('callsNamed', () => {
  it('gives what filtering all calls gives, on every fixture script, fresh and after an edit', () => {
    const scripts = corpus().filter((f) => f.language === 'python');
    expect(scripts.length).toBeGreaterThan(20);
    let lookups = 0;
    for (const { text } of scripts) {
      const tree = parser.parse(text)!;
      lookups += expectSameLookups(extractPythonFacts(tree, queries));
      // per-statement facts: the second extraction reuses the statements the edit (a line prepended) left alone
      const state = new StatementFacts(queries);
      state.extract(tree, text);
      const edited = `x = print(len([]))\n${text}`;
      const reparsed = parser.parse(edited)!;
      lookups += expectSameLookups(state.extract(reparsed, edited));
      tree.delete();
      reparsed.delete();
    }
    expect(lookups).toBeGreaterThan(1000);
  });

  it('keeps the calls list\'s order for calls that start together, and indexes a list appended to after a lookup', () => {
    const tree = parser.parse('model = build().half().to("cuda")\nmodel.to("cpu")\n')!;
    const facts = extractPythonFacts(tree, queries);
    const chained = callsNamed(facts, 'half', 'to', 'build');
    expect(chained.map((c) => c.callee)).toEqual(filtered(facts, ['half', 'to', 'build']).map((c) => c.callee));
    expect(chained).toHaveLength(4);
    expect(new Set(chained.slice(0, 3).map((c) => c.call.startIndex)).size).toBe(1);

    const more = extractPythonFacts(parser.parse('\n'.repeat(2) + 'model.half()\n')!, queries).calls;
    facts.calls.push(...more);
    expect(callsNamed(facts, 'half')).toEqual(filtered(facts, ['half']));
    expect(callsNamed(facts, 'half')).toHaveLength(2);
    tree.delete();
  });
});
