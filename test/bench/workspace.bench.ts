/**
 * `npm run bench`: the cost of looking at a whole tree, as `trainlens check .` and the workspace
 * view do: finding the files (a 5,000-file tree with .trainlensignore rules) and summarising a
 * workspace of the examples copied 34 times (`trainlens/workspaceSummary`: read, analyse, free each tree).
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, describe } from 'vitest';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { defaultAssets } from '../../server/src/parsing/assets';
import { AnalysisStore } from '../../server/src/lsp/analyses';
import { workspaceSummary } from '../../server/src/lsp/workspaceSummary';
import { discoverFiles } from '../../server/src/workspace/discover';

const examples = join(defaultAssets().projectRoot, 'examples');

/** 50 packages × 100 files: Python modules, JSON data, one ignored build folder per package. */
const big = mkdtempSync(join(tmpdir(), 'trainlens-bench-tree-'));
writeFileSync(join(big, '.trainlensignore'), 'build/\n*_pb2.py\n');
for (let p = 0; p < 50; p++) {
  for (const sub of ['src', 'build', 'data']) mkdirSync(join(big, `pkg${p}`, sub), { recursive: true });
  for (let f = 0; f < 40; f++) writeFileSync(join(big, `pkg${p}`, 'src', `m${f}.py`), 'x = 1\n');
  for (let f = 0; f < 30; f++) writeFileSync(join(big, `pkg${p}`, 'build', `m${f}.py`), 'x = 1\n');
  for (let f = 0; f < 30; f++) writeFileSync(join(big, `pkg${p}`, 'data', `d${f}.json`), '{"labels": [1, 2, 3]}\n');
}

/** The examples folder copied 34 times: over 100 training scripts and configs. */
const COPIES = 34;
const jobs = mkdtempSync(join(tmpdir(), 'trainlens-bench-jobs-'));
for (let i = 0; i < COPIES; i++) cpSync(examples, join(jobs, `team${i}`), { recursive: true });

const analyzer = Promise.resolve(await createAnalyzer());
const store = new AnalysisStore(analyzer, (message) => console.error(message));
const context = {
  analyzer,
  store,
  openDocument: () => undefined,
  settingsFor: async () => ({ of: () => ({ gpu: 'V100-32GB', gpus: 1 }), maxFileBytes: 2 * 1024 * 1024 }),
};

// vitest's bench reports a run that throws as NaN without the error: check the summary's size once here.
const perCopy = (await workspaceSummary([pathToFileURL(examples).href], context)).files.length;
const summaries = COPIES * perCopy;

describe('whole-tree checks', () => {
  bench('discoverFiles over 5,000 files (2,000 Python modules kept)', () => {
    const found = discoverFiles(['.'], { cwd: big });
    if (found.files.length !== 2000) throw new Error(`expected 2,000 files, found ${found.files.length}`);
  });
  bench(`workspaceSummary of ${summaries} example scripts and configs`, async () => {
    const result = await workspaceSummary([pathToFileURL(jobs).href], context);
    if (result.files.length !== summaries) throw new Error(`expected ${summaries} summaries, got ${result.files.length}`);
  }, { iterations: 5 });
});
