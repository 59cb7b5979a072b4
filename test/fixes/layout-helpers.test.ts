/**
 * The text helpers fix writers run on every analysis, rewritten to read only around what they touch (no split of
 * the whole text): textAt against deepspeed/edits.ts offsetAt for any position, whatever text was read before;
 * imports found on an indented or CRLF line are not added twice; a new import goes after the last top-level
 * import wherever it is; a line added after the last statement of a file without a final newline; a keyword added
 * after an argument with a comment on its line keeps the gap.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser, type Node } from 'web-tree-sitter';
import { offsetAt } from '../../server/src/deepspeed/edits';
import { composeIntents } from '../../server/src/fixes/intents';
import { textAt } from '../../server/src/fixes/values';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { runs } from '../fuzz/corpus';

let parser: Parser;
beforeAll(async () => {
  const assets = defaultAssets();
  const { python } = await loadLanguages(assets.grammarDir, assets.projectRoot);
  parser = new Parser();
  parser.setLanguage(python);
});
afterAll(() => parser?.delete());

const URI = 'file:///w/train.py';

function compose(text: string, intents: (root: Node) => Parameters<typeof composeIntents>[0]) {
  const tree = parser.parse(text)!;
  try {
    return composeIntents(intents(tree.rootNode), URI, text, tree.rootNode)?.changes[URI];
  } finally {
    tree.delete();
  }
}

const callArgs = (root: Node) => root.descendantsOfType('argument_list')[0]!;

describe('fix layout helpers', () => {
  it(`textAt reads the same text as offsetAt for any range, after other texts were read (${runs(300)} cases)`, () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\r', 'é', '😀'), maxLength: 300 });
    const position = fc.record({ line: fc.nat({ max: 40 }), character: fc.nat({ max: 40 }) });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, position, position), { minLength: 1, maxLength: 4 }), (reads) => {
        for (const [t, a, b] of reads) expect(textAt(t, { start: a, end: b })).toBe(t.slice(offsetAt(t, a), offsetAt(t, b)));
      }),
      { numRuns: runs(300) },
    );
  });

  it('adds an import once: not when the line is already there (indented, CRLF), after the last top-level import otherwise', () => {
    const importLora = () => [{ kind: 'import' as const, line: 'from peft import LoraConfig' }];
    expect(compose('import torch\r\nfrom peft import LoraConfig\r\nx = 1\r\n', importLora)).toBeUndefined();
    expect(compose('import torch\nif True:\n    from peft import LoraConfig  \nx = 1\n', importLora)).toBeUndefined();
    expect(compose('import torch\n# from peft import LoraConfig, get_peft_model\nx = 1\n', importLora)).toEqual([
      { range: { start: { line: 0, character: 12 }, end: { line: 0, character: 12 } }, newText: '\nfrom peft import LoraConfig' },
    ]);
    expect(compose('import torch\nx = 1\nimport os\ny = 2\n', importLora)).toEqual([
      { range: { start: { line: 2, character: 9 }, end: { line: 2, character: 9 } }, newText: '\nfrom peft import LoraConfig' },
    ]);
    // lines that only look like imports: in a string, in a block, a name that starts with "import"
    const lookalikes = 'from os import path\nimportant = 1\nif True:\n    import sys\nDOC = """\nimport json\n"""\n';
    expect(compose(lookalikes, importLora)).toEqual([
      { range: { start: { line: 0, character: 19 }, end: { line: 0, character: 19 } }, newText: '\nfrom peft import LoraConfig' },
    ]);
    expect(compose('x = 1\n', importLora)).toEqual([
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'from peft import LoraConfig\n' },
    ]);
  });

  it('adds a line after a statement at its indentation, on the last line of a file without a final newline too', () => {
    const after = (root: Node) => [{ kind: 'after' as const, node: root.descendantsOfType('call')[0]!, line: 'model.gradient_checkpointing_enable()' }];
    expect(compose('def main():\n    model = load()', after)).toEqual([
      { range: { start: { line: 1, character: 18 }, end: { line: 1, character: 18 } }, newText: '\n    model.gradient_checkpointing_enable()' },
    ]);
    expect(compose('def main():\n\tmodel = load()\n\treturn model\n', after)).toEqual([
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, newText: '\tmodel.gradient_checkpointing_enable()\n' },
    ]);
  });

  it('adds a keyword after the last argument of a multi-line call, keeping the gap before a comment on its line', () => {
    const text = 'args = TrainingArguments(\n    output_dir="out",\n    bf16=True   # mixed\n)\n';
    expect(compose(text, (root) => [{ kind: 'keyword', args: callArgs(root), text: 'gradient_checkpointing=True' }])).toEqual([
      { range: { start: { line: 2, character: 13 }, end: { line: 2, character: 23 } }, newText: ',   # mixed\n    gradient_checkpointing=True' },
    ]);
  });
});
