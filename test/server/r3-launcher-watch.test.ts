/**
 * An open trainer YAML is analysed again when its launcher changes on disk (the server's file watcher), like a
 * script: a shell script that first runs another config, then this one on 2 GPUs, then on 8. The YAML's ZeRO-3
 * shards by the GPU count, so the per-GPU total drops at each step. The bundled server over stdio.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileChangeType, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterEach, expect, it } from 'vitest';
import { builtBundle } from '../lsp/helpers/build';
import { LspTestClient } from '../lsp/helpers/lspClient';

const YAML = `model_name_or_path: meta-llama/Llama-3.1-8B
stage: sft
finetuning_type: full
deepspeed: ds_z3.json
per_device_train_batch_size: 1
cutoff_len: 2048
bf16: true
`;
const ZERO3 = '{ "zero_optimization": { "stage": 3 }, "bf16": { "enabled": "auto" } }';

let running: { child: ChildProcessWithoutNullStreams; client: LspTestClient } | undefined;
afterEach(async () => {
  if (!running) return;
  const { child, client } = running;
  running = undefined;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await client.shutdown();
  await client.exit();
  await exited;
  client.dispose();
});

it('re-analyses the open YAML when its launcher is edited: not naming it, then 2 GPUs, then 8', async () => {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-r3-watch-'));
  writeFileSync(join(root, 'sft.yaml'), YAML);
  writeFileSync(join(root, 'other.yaml'), YAML);
  writeFileSync(join(root, 'ds_z3.json'), ZERO3);
  const launcher = join(root, 'train.sh');
  writeFileSync(launcher, 'CUDA_VISIBLE_DEVICES=0,1 llamafactory-cli train other.yaml\n');
  const child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: root });
  const client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'A100-80GB', gpuCount: 1 }));
  running = { child, client };
  await client.initialize(process.pid, [pathToFileURL(root).href], undefined, true);
  await client.waitForRegistration('workspace/didChangeWatchedFiles');
  const uri = pathToFileURL(join(root, 'sft.yaml')).href;
  await client.open(uri, YAML, 'yaml');
  const single = (await client.waitForStatus(uri, (s) => s.total_bytes !== null)).total_bytes!;

  const edit = async (text: string, below: number): Promise<number> => {
    writeFileSync(launcher, text);
    await client.filesChanged([{ uri: pathToFileURL(launcher).href, type: FileChangeType.Changed }]);
    return (await client.waitForStatus(uri, (s) => s.total_bytes !== null && s.total_bytes < below)).total_bytes!;
  };
  const two = await edit('CUDA_VISIBLE_DEVICES=0,1 llamafactory-cli train sft.yaml\n', single);
  const eight = await edit('CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7 llamafactory-cli train sft.yaml\n', two);
  expect(eight).toBeLessThan(two);
  expect(two).toBeLessThan(single);
}, 60_000);
