/**
 * Incremental parsing and per-statement fact reuse give exactly what a fresh parse gives: after
 * each of a random sequence of edits to a fixture script, the tree, the facts (every node's type,
 * range and text) and the whole analysis equal those of the final text parsed from scratch.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parser, type Node } from 'web-tree-sitter';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { QueryStore } from '../../server/src/parsing/queries';
import { TreeCache } from '../../server/src/parsing/trees';
import { extractPythonFacts, type PythonFacts } from '../../server/src/python/facts';
import { StatementFacts } from '../../server/src/python/statement-facts';
import { corpus, runs } from './corpus';
import { applyEdit, textEdit } from './edits';

const scripts = corpus().filter((f) => f.language === 'python');
const configs = corpus().filter((f) => f.language === 'json');
const settings = { gpu: 'V100-32GB', gpus: 2 };
let parser: Parser;
let queries: QueryStore;
let incremental: Analyzer;
let fresh: Analyzer;

beforeAll(async () => {
  const assets = defaultAssets();
  const languages = await loadLanguages(assets.grammarDir, assets.projectRoot);
  parser = new Parser();
  parser.setLanguage(languages.python);
  queries = new QueryStore(assets.queryDir, languages);
  [incremental, fresh] = await Promise.all([createAnalyzer(), createAnalyzer()]);
});

function node(n: Node | undefined) {
  if (!n) return undefined;
  const { startPosition: s, endPosition: e } = n;
  return `${n.type} ${n.startIndex}-${n.endIndex} ${s.row}:${s.column}-${e.row}:${e.column} ${JSON.stringify(n.text)}`;
}

function byName(assignments: PythonFacts['assignments']) {
  return [...assignments].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, list]) => [name, list.map((a) => [a.name, node(a.value), node(a.assignment)])]);
}

/** Facts as plain data, every node read through. */
function describeFacts(facts: PythonFacts) {
  return {
    calls: facts.calls.map((c) => ({
      callee: c.callee, call: node(c.call), receiver: node(c.receiver), args: node(c.args),
      positional: c.positional.map(node), keywords: [...c.keywords].map(([k, n]) => [k, node(n)]), spreads: c.spreads.map(node),
    })),
    assignments: byName(facts.assignments),
    augmented: byName(facts.augmented),
    directives: facts.directives.map(node),
  };
}

const editSequence = fc.record({ script: fc.constantFrom(...scripts), edits: fc.array(textEdit, { minLength: 1, maxLength: 8 }) });

describe('incremental parsing', () => {
  it(`matches a fresh parse after every random edit (${runs(150)} sequences over ${scripts.length} scripts)`, () => {
    fc.assert(
      fc.property(editSequence, ({ script, edits }) => {
        const trees = new TreeCache(parser, () => new StatementFacts(queries));
        try {
          let text = script.text;
          for (const edit of [undefined, ...edits]) {
            if (edit) text = applyEdit(text, edit);
            const { tree, state } = trees.parse('file:///t.py', text);
            const scratch = parser.parse(text)!;
            try {
              expect(tree.rootNode.toString()).toBe(scratch.rootNode.toString());
              expect(describeFacts(state.extract(tree, text))).toEqual(describeFacts(extractPythonFacts(scratch, queries)));
            } finally {
              scratch.delete();
            }
          }
        } finally {
          trees.dispose();
        }
      }),
      { numRuns: runs(150) },
    );
  });

  it('a statement whose text is unchanged but parses as another node type is queried again (found by this property)', () => {
    // `print(...)` is a call; with a stray quote after it, tree-sitter-python reads a Python 2 print_statement
    const trees = new TreeCache(parser, () => new StatementFacts(queries));
    try {
      for (const text of ['x = 1\nprint(f"{x}")\n', 'x = 1\nprint(f"{x}")"\n', '\nx = 1\nprint(f"{x}")"\n']) {
        const { tree, state } = trees.parse('file:///t.py', text);
        const scratch = parser.parse(text)!;
        try {
          expect(describeFacts(state.extract(tree, text))).toEqual(describeFacts(extractPythonFacts(scratch, queries)));
        } finally {
          scratch.delete();
        }
      }
    } finally {
      trees.dispose();
    }
  });

  it(`gives the same analysis as a fresh analyzer after every random edit (${runs(60)} sequences)`, () => {
    let version = 0;
    fc.assert(
      fc.property(editSequence, ({ script, edits }) => {
        let text = script.text;
        for (const edit of [undefined, ...edits]) {
          if (edit) text = applyEdit(text, edit);
          version++;
          const scratchUri = `file:///fresh-${version}.py`;
          const expected = fresh.analyze({ uri: scratchUri, text, version }, settings);
          fresh.close(scratchUri);
          const actual = incremental.analyze({ uri: 'file:///edited.py', text, version }, settings);
          expect(JSON.parse(JSON.stringify(actual).replaceAll('edited.py', 'X'))).toEqual(
            JSON.parse(JSON.stringify(expected).replaceAll(`fresh-${version}.py`, 'X')),
          );
        }
        incremental.close('file:///edited.py');
      }),
      { numRuns: runs(60) },
    );
  });

  it(`gives a DeepSpeed config the same analysis and hovers as a fresh analyzer after every random edit (${runs(60)} sequences over ${configs.length} configs)`, () => {
    let version = 0;
    const configSequence = fc.record({ config: fc.constantFrom(...configs), edits: fc.array(textEdit, { minLength: 1, maxLength: 8 }) });
    /** The analysis as data, with the hover at the start of every line's text (what its config tree holds). */
    const described = (analysis: ReturnType<Analyzer['analyze']>, text: string, uri: string) => JSON.parse(JSON.stringify({
      analysis,
      hovers: text.split('\n').map((line, i) => analysis.config?.hover({ line: i, character: line.search(/\S|$/) + 1 }) ?? null),
    }).replaceAll(uri, 'X'));
    fc.assert(
      fc.property(configSequence, ({ config, edits }) => {
        let text = config.text;
        for (const edit of [undefined, ...edits]) {
          if (edit) text = applyEdit(text, edit);
          version++;
          const scratchUri = `file:///fresh-${version}.json`;
          const expected = described(fresh.analyze({ uri: scratchUri, text, version }, settings), text, scratchUri);
          fresh.close(scratchUri);
          const actual = described(incremental.analyze({ uri: 'file:///edited.json', text, version }, settings), text, 'file:///edited.json');
          expect(actual).toEqual(expected);
        }
        incremental.close('file:///edited.json');
      }),
      { numRuns: runs(60) },
    );
  });
});
