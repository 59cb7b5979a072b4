/**
 * `npm run bench`: finding the launch line of a script (launch/discover.ts findLaunch, run by every analysis of a
 * script) in a workspace of 5,000 Python modules and 300 shell scripts of 60 lines, two of which launch it: with
 * the workspace listing cached (every edit within a few seconds of the last) and listed afresh (the first
 * analysis, or after a pause). And the shell reader on a 1 MB script of one long continued line (20,000 lines
 * ending in a backslash), which took ~20 s while each join re-tested the whole joined line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, describe } from 'vitest';
import { findLaunch } from '../../server/src/launch/discover';
import { logicalLines } from '../../server/src/launch/shell';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

const root = mkdtempSync(join(tmpdir(), 'trainlens-bench-launch-'));
const body = Array.from({ length: 60 }, (_, i) => (i % 3 ? `export VAR_${i}="value ${i}"  # setting ${i}` : `python tools/step_${i}.py --input data/${i} \\\n  --output out/${i}`)).join('\n');
for (let p = 0; p < 30; p++) {
  mkdirSync(join(root, `exp${p}`, 'scripts'), { recursive: true });
  for (let f = 0; f < 10; f++) writeFileSync(join(root, `exp${p}`, 'scripts', `run_${f}.sh`), `#!/bin/bash\n${body}\n`);
}
writeFileSync(join(root, 'exp7', 'scripts', 'run_3.sh'), `#!/bin/bash\n${body}\ntorchrun --nproc_per_node 4 train.py --per_device_train_batch_size 8\n`);
writeFileSync(join(root, 'exp9', 'scripts', 'run_0.sh'), `#!/bin/bash\n${body}\ndeepspeed --num_gpus 8 train.py\n`);
for (let p = 0; p < 50; p++) {
  mkdirSync(join(root, `pkg${p}`, 'src'), { recursive: true });
  for (let f = 0; f < 100; f++) writeFileSync(join(root, `pkg${p}`, 'src', `m${f}.py`), 'x = 1\n');
}
const script = pathToFileURL(join(root, 'train.py')).href;
writeFileSync(join(root, 'train.py'), 'print("train")\n');

const cached = createWorkspaceFiles([root]);
describe('launch discovery (5,000 modules, 300 shell scripts)', () => {
  bench('findLaunch, workspace listing cached', () => {
    const found = findLaunch(script, cached);
    if (found?.alternatives.length !== 1) throw new Error(`expected two launchers, found ${found ? found.alternatives.length + 1 : 0}`);
  });
  bench('findLaunch, workspace listed afresh', () => {
    const found = findLaunch(script, createWorkspaceFiles([root]));
    if (found?.alternatives.length !== 1) throw new Error(`expected two launchers, found ${found ? found.alternatives.length + 1 : 0}`);
  });
});

const chain = `${'torchrun --nproc_per_node 4 train.py --arg value \\\n'.repeat(20_000)}end\n`;
describe('shell reader', () => {
  bench('logicalLines, 1 MB of one continued line', () => {
    if (logicalLines(chain).length !== 1) throw new Error('expected one logical line');
  });
});
