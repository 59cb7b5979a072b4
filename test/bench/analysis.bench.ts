/**
 * `npm run bench`: how long the analysis of one document takes (parse + facts + job + estimate +
 * findings), on the bundled examples and on generated scripts of 300, 3,000 and 30,000 lines, next
 * to the bare tree-sitter parse of the same text (the floor every figure should be read against).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';

const assets = defaultAssets();
const analyzer = await createAnalyzer();
const parser = new Parser();
parser.setLanguage((await loadLanguages(assets.grammarDir, assets.projectRoot)).python);
const settings = { gpu: 'A100-80GB', gpus: 1 };

const example = readFileSync(join(assets.projectRoot, 'examples/llama2-7b-full-finetune.py'), 'utf8');

/** A realistic script padded with helper functions to `lines` lines. */
function generated(lines: number): string {
  const filler: string[] = [];
  for (let i = 0; filler.length < lines - 40; i++) {
    filler.push(`def helper_${i}(batch, scale=${i}):`, `    out = [x * scale for x in batch["input_ids"]]`, `    return {"ids": out, "n": len(out) + ${i}}`, '');
  }
  return `${filler.join('\n')}\n${example}`;
}

const sizes = [300, 3000, 30000].map((n) => [n, generated(n)] as const);
let version = 0;

describe('analysis of one document (fresh parse each time)', () => {
  bench('example llama2-7b-full-finetune.py', () => {
    analyzer.analyze({ uri: `file:///bench/ex${version++ % 2}.py`, text: example + (version % 2 ? ' ' : ''), version }, settings);
  });
  for (const [n, text] of sizes) {
    bench(`${n} lines: analysis`, () => {
      analyzer.analyze({ uri: 'file:///bench/gen.py', text: text + (++version % 2 ? ' ' : ''), version }, settings);
    });
    bench(`${n} lines: bare tree-sitter parse`, () => {
      parser.parse(text)!.delete();
    });
  }
});
