/**
 * Inputs for the fuzz and property tests: every fixture script and config the project has
 * (examples/ and test/fixtures/, which holds the calibration scripts and the seed DeepSpeed configs),
 * and how many cases each property runs: a few hundred in CI, more with TRAINLENS_FUZZ_RUNS=N.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

const FOLDERS = [
  join(ROOT, 'examples'),
  join(ROOT, 'test', 'fixtures'),
];

export interface CorpusFile { name: string; text: string; language: 'python' | 'json' }

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every .py and .json fixture, named relative to the project's parent folder. */
export function corpus(): CorpusFile[] {
  return FOLDERS.flatMap(walk)
    .filter((path) => /\.(py|json)$/.test(path))
    .sort()
    .map((path) => ({
      name: relative(resolve(ROOT, '..'), path),
      text: readFileSync(path, 'utf8'),
      language: path.endsWith('.py') ? 'python' : 'json',
    }));
}

/** Cases per property: `base` in CI, scaled by TRAINLENS_FUZZ_RUNS (a multiplier, e.g. 10) locally. */
export function runs(base: number): number {
  const factor = Number(process.env.TRAINLENS_FUZZ_RUNS ?? 1);
  return Math.max(1, Math.round(base * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}
