/**
 * `npm run bench`: shell scripts in `trainlens/workspaceSummary` (the workspace view, listed again after every
 * save): the example scripts alone, and with 300 shell scripts of 60 lines that run other things and 2 that
 * `tune run` a built-in config (read and listed each time). Most of the difference is each script's launcher
 * search and the DeepSpeed config's reference search over the shell scripts (a stat each); the view's own
 * screen, which passes over a script without `tune` on a stat once it was read (shell-screen.ts), is timed alone.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, describe } from 'vitest';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { AnalysisStore } from '../../server/src/lsp/analyses';
import { workspaceSummary } from '../../server/src/lsp/workspaceSummary';
import { defaultAssets } from '../../server/src/parsing/assets';
import { discoverFiles } from '../../server/src/workspace/discover';
import { createWorkspaceFiles } from '../../server/src/workspace/files';
import { readIfTuneRun } from '../../server/src/workspace/shell-screen';

const examples = join(defaultAssets().projectRoot, 'examples');
const scriptsOnly = mkdtempSync(join(tmpdir(), 'trainlens-bench-view-'));
cpSync(examples, scriptsOnly, { recursive: true });

const withShells = mkdtempSync(join(tmpdir(), 'trainlens-bench-view-shell-'));
cpSync(examples, withShells, { recursive: true });
const body = Array.from({ length: 60 }, (_, i) => (i % 3 ? `export VAR_${i}="value ${i}"  # setting ${i}` : `python tools/step_${i}.py --input data/${i} \\\n  --output out/${i}`)).join('\n');
for (let p = 0; p < 30; p++) {
  mkdirSync(join(withShells, `exp${p}`));
  for (let f = 0; f < 10; f++) writeFileSync(join(withShells, `exp${p}`, `run_${f}.sh`), `#!/bin/bash\n${body}\n`);
}
writeFileSync(join(withShells, 'finetune.sh'), `#!/bin/bash\n${body}\ntune run lora_finetune_single_device --config llama3_1/8B_lora_single_device\n`);
writeFileSync(join(withShells, 'sweep.sh'), 'tune run full_finetune_single_device --config llama3_2/1B_full_single_device\n');

const analyzer = Promise.resolve(await createAnalyzer());
const context = {
  analyzer,
  store: new AnalysisStore(analyzer, (message) => console.error(message)),
  openDocument: () => undefined,
  settingsFor: async () => ({ of: () => ({ gpu: 'V100-32GB', gpus: 1 }), maxFileBytes: 2 * 1024 * 1024 }),
};

async function summarise(root: string, expected: number): Promise<void> {
  const result = await workspaceSummary([pathToFileURL(root).href], context);
  if (result.files.length !== expected) throw new Error(`expected ${expected} entries, got ${result.files.length}: ${result.problems.join('; ')}`);
}

describe('workspace view with shell scripts', () => {
  bench('workspaceSummary: 4 example scripts and a DeepSpeed config', () => summarise(scriptsOnly, 5), { iterations: 20 });
  bench('workspaceSummary: the same and 302 shell scripts (2 listed)', () => summarise(withShells, 7), { iterations: 20 });
  const shells = discoverFiles(['.'], { cwd: withShells, shellScripts: true }).files.filter((f) => f.endsWith('.sh'));
  const reader = createWorkspaceFiles([withShells]);
  const rootUri = pathToFileURL(withShells).href;
  bench('the screen alone: 302 shell scripts, 300 passed over', () => {
    const read = shells.filter((path) => readIfTuneRun(path, () => reader.read(path, rootUri)));
    if (read.length !== 2) throw new Error(`expected 2 scripts read, got ${read.length}`);
  });
});
