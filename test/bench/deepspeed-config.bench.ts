/**
 * `npm run bench`: how long the analysis of a DeepSpeed config and of an accelerate config takes
 * as the editor sees it (parse, rules, the workspace scan for scripts that use the file, each
 * user script analysed, the estimate), with test/fixtures/configs as the workspace; and a config
 * that no script uses (parse and rules only, after the same scan).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, describe } from 'vitest';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { defaultAssets } from '../../server/src/parsing/assets';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

const root = join(defaultAssets().projectRoot, 'test', 'fixtures', 'configs');
const analyzer = await createAnalyzer();
const files = createWorkspaceFiles([root]);
const settings = { gpu: 'V100-32GB', gpus: 1 };
let version = 0;

function doc(name: string) {
  const path = join(root, name);
  return { uri: pathToFileURL(path).href, text: readFileSync(path, 'utf8') };
}

const cases = [
  ['ds_hf.json: used by train_hf.py (rules, link, script, stage fixes)', doc('workspace/ds_hf.json')],
  ['zero3_offload.json: used by no script', doc('zero3_offload.json')],
  ['accelerate zero1.yaml: launched by run_accel.sh', doc('accelerate/zero1.yaml')],
] as const;

describe('config document analysis (text changes each time, workspace scan cached by mtime)', () => {
  for (const [label, { uri, text }] of cases) {
    bench(label, () => {
      analyzer.analyze({ uri, text: text + (++version % 2 ? ' ' : ''), version }, settings, files);
    });
  }
});
