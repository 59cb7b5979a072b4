/**
 * `npm run bench`: the analysis of a document after a one-character edit (what runs on each
 * keystroke: incremental parse, facts re-extracted only for the changed statement, job, estimate,
 * findings), on the generated scripts of analysis.bench.ts, next to the bare incremental re-parse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { editBetween } from '../../server/src/parsing/trees';

const assets = defaultAssets();
const analyzer = await createAnalyzer();
const parser = new Parser();
parser.setLanguage((await loadLanguages(assets.grammarDir, assets.projectRoot)).python);
const settings = { gpu: 'A100-80GB', gpus: 1 };
const example = readFileSync(join(assets.projectRoot, 'examples/llama2-7b-full-finetune.py'), 'utf8');

function generated(lines: number): string {
  const filler: string[] = [];
  for (let i = 0; filler.length < lines - 40; i++) {
    filler.push(`def helper_${i}(batch, scale=${i}):`, `    out = [x * scale for x in batch["input_ids"]]`, `    return {"ids": out, "n": len(out) + ${i}}`, '');
  }
  return `${filler.join('\n')}\n${example}`;
}

describe('analysis after a one-character edit (incremental)', () => {
  for (const lines of [300, 3000, 30000]) {
    const text = generated(lines);
    // Typing inside `out` in a helper an eighth of the way down, then deleting it again.
    const at = text.indexOf('    out', text.indexOf(`def helper_${Math.floor(lines / 8)}(`)) + 6;
    const texts = [text, `${text.slice(0, at)}x${text.slice(at)}`];
    let version = 0;
    const uri = `file:///bench/edit-${lines}.py`;
    analyzer.analyze({ uri, text, version }, settings);
    bench(`${lines} lines: analysis after a 1-char edit`, () => {
      version++;
      analyzer.analyze({ uri, text: texts[version % 2], version }, settings);
    });
    let tree = parser.parse(text)!;
    let current = 0;
    bench(`${lines} lines: bare incremental parse of the same edit`, () => {
      const next = 1 - current;
      tree.edit(editBetween(texts[current], texts[next]));
      const reparsed = parser.parse(texts[next], tree)!;
      tree.delete();
      tree = reparsed;
      current = next;
    });
  }
});
