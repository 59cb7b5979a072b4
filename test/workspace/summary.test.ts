/**
 * `trainlens/workspaceSummary` from the bundled server over stdio (dist/server.js --stdio), as the
 * workspace view asks for it: every script and DeepSpeed config of the workspace folders with its
 * fit, the GPU settings it was judged against, and where its breakdown is; open documents as edited.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidOpenTextDocumentNotification, HoverRequest, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkspaceSummaryRequest, type WorkspaceSummaryResult } from '../../server/src/lsp/protocol';
import type { FileSummary } from '../../server/src/workspace/summary';
import { makeTree } from '../cli/helpers';
import { startWorkspaceServer, type WorkspaceServer } from './server';

const GiB = 2 ** 30;
let server: WorkspaceServer;
let connection: ProtocolConnection;
let root: string;

const uri = (path: string) => pathToFileURL(join(root, path)).href;

beforeAll(async () => {
  root = makeTree({
    'llama.py': '@example:llama2-7b-full-finetune.py',
    'opt/lora.py': '@example:opt-6.7b-lora.py',
    'gpt2.py': '@example:gpt2-small-from-scratch.py',
    'tools/plot.py': 'import matplotlib\n',
    'ds_config.json': '{"train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": 3}}\n',
    'archive/old.py': '@example:llama2-7b-full-finetune.py',
    '.trainlensignore': 'archive/\n',
  });
  server = await startWorkspaceServer(root, 'jobs', 'V100-32GB');
  connection = server.connection;
}, 60_000);

afterAll(() => server.stop());

function byPath(result: WorkspaceSummaryResult): Record<string, FileSummary> {
  return Object.fromEntries(result.files.map((f) => [f.uri.slice(pathToFileURL(root).href.length + 1), f]));
}

describe('trainlens/workspaceSummary', () => {
  it('lists every script and config of the folder with its fit and the GPU it was judged against', async () => {
    const result = await connection.sendRequest(WorkspaceSummaryRequest);
    expect(result.problems).toEqual([]);
    const files = byPath(result);
    expect(Object.keys(files).sort()).toEqual(['ds_config.json', 'gpt2.py', 'llama.py', 'opt/lora.py', 'tools/plot.py']);
    expect(files['llama.py']).toMatchObject({ kind: 'script', fit: 'oom', gpu: 'V100-32GB', gpus: 1, judged_by: 'settings', capacity_bytes: 32 * GiB, model: 'meta-llama/Llama-2-7b-hf', errors: 2 });
    expect(files['llama.py'].detail).toMatch(/^needs [\d.]+ GiB per GPU; V100-32GB has 32\.0 GiB/);
    expect(files['llama.py'].total_bytes!).toBeGreaterThan(32 * GiB);
    // The OOM diagnostic's place: the batch size argument, where a hover shows the breakdown.
    const llamaText = readFileSync(join(root, 'llama.py'), 'utf8').split('\n');
    expect(llamaText[files['llama.py'].position.line]).toContain('per_device_train_batch_size');
    expect(files['gpt2.py']).toMatchObject({ fit: 'fits', gpu: 'RTX-4090', judged_by: 'comment' });
    expect(files['tools/plot.py']).toMatchObject({ fit: 'unknown', total_bytes: null, model: null });
    expect(files['ds_config.json']).toMatchObject({ kind: 'config' });
    // OPT-6.7B LoRA in fp16: 23.3 GiB of 32 GiB is under 90%, so it fits.
    expect(files['opt/lora.py'].fit).toBe(files['opt/lora.py'].total_bytes! > 0.9 * 32 * GiB ? 'tight' : 'fits');
  });

  it('summarises an open document from its edited text, and the hover at its position shows the breakdown', async () => {
    const onDisk = byPath(await connection.sendRequest(WorkspaceSummaryRequest))['llama.py'];
    const text = readFileSync(join(root, 'llama.py'), 'utf8').replace('BATCH = 4', 'BATCH = 1');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri('llama.py'), languageId: 'python', version: 1, text } });
    const edited = byPath(await connection.sendRequest(WorkspaceSummaryRequest))['llama.py'];
    expect(edited.total_bytes!).toBeLessThan(onDisk.total_bytes!);
    const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri('llama.py') }, position: edited.position });
    expect(JSON.stringify(hover)).toContain('Total per GPU');
  });
});
