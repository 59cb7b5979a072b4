/**
 * Shell scripts in `trainlens/workspaceSummary`, from the bundled server over stdio: one is listed only when it
 * has findings (a `tune run` of a config TrainLens cannot open: TL008), labelled by what it is, at the finding,
 * where the hover explains it; one without findings stays out. Findings follow the files they depend on (a
 * config created on disk) and the edited text of an open document.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidOpenTextDocumentNotification, HoverRequest, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkspaceSummaryRequest, type WorkspaceSummaryResult } from '../../server/src/lsp/protocol';
import type { FileSummary } from '../../server/src/workspace/summary';
import { makeTree } from '../cli/helpers';
import { startWorkspaceServer, type WorkspaceServer } from './server';

const LORA_CONFIG = readFileSync(join(__dirname, '../fixtures/scripts/u1-torchtune-lora-launcher/configs/llama3_8B_lora.yaml'), 'utf8');

let server: WorkspaceServer;
let connection: ProtocolConnection;
let root: string;

const uri = (path: string) => pathToFileURL(join(root, path)).href;

beforeAll(async () => {
  root = makeTree({
    'train.py': '@example:gpt2-small-from-scratch.py',
    'finetune.sh': '#!/usr/bin/env bash\nset -e\ntune run --nproc_per_node 4 lora_finetune_distributed \\\n    --config llama3_1/8B_lora \\\n    batch_size=4\n',
    'scripts/sweep.sh': 'tune run lora_finetune_single_device --config configs/gone.yaml\ntune run full_finetune_single_device --config llama3_2/1B_full_single_device\n',
    'scripts/ok.sh': 'tune run lora_finetune_single_device --config configs/lora.yaml\n',
    'scripts/prep.sh': '#!/bin/bash\n# finetune data prep\npython prep.py --out data\n',
    'configs/lora.yaml': LORA_CONFIG,
  });
  server = await startWorkspaceServer(root, 'tune', 'A100-80GB');
  connection = server.connection;
}, 60_000);

afterAll(() => server.stop());

async function shells(): Promise<{ result: WorkspaceSummaryResult; byPath: Record<string, FileSummary> }> {
  const result = await connection.sendRequest(WorkspaceSummaryRequest);
  const listed = result.files.filter((f) => f.kind === 'shell').map((f) => [f.uri.slice(pathToFileURL(root).href.length + 1), f] as const);
  return { result, byPath: Object.fromEntries(listed) };
}

describe('shell scripts in trainlens/workspaceSummary', () => {
  it('lists the shell scripts with findings, each labelled by what it is and placed at its first finding', async () => {
    const { result, byPath } = await shells();
    expect(result.problems).toEqual([]);
    expect(Object.keys(byPath).sort()).toEqual(['finetune.sh', 'scripts/sweep.sh']);
    expect(result.files.find((f) => f.uri === uri('train.py'))).toMatchObject({ kind: 'script', fit: 'fits' });

    const finetune = byPath['finetune.sh'];
    expect(finetune).toMatchObject({ fit: 'unknown', total_bytes: null, model: null, errors: 0, warnings: 0, position: { line: 3, character: 13 } });
    expect(finetune.findings).toEqual([
      { label: 'config not readable: tune cp llama3_1/8B_lora ./8B_lora.yaml', message: finetune.detail, position: { line: 3, character: 13 } },
    ]);
    expect(finetune.detail).toMatch(/^`llama3_1\/8B_lora` is a config that ships inside the torchtune package/);

    const sweep = byPath['scripts/sweep.sh'];
    expect(sweep.findings!.map((f) => [f.position.line, f.label])).toEqual([
      [0, 'config not readable: configs/gone.yaml'],
      [1, 'config not readable: tune cp llama3_2/1B_full_single_device ./1B_full_single_device.yaml'],
    ]);
    expect(sweep.findings![0].message).toMatch(/configs\/gone\.yaml.*: TrainLens cannot read the config of `tune run lora_finetune_single_device`$/);
    expect(sweep.position).toEqual(sweep.findings![0].position);
  });

  it('the click\'s position shows the finding\'s hover: the tune cp command that makes the config readable', async () => {
    const { byPath } = await shells();
    const finetune = byPath['finetune.sh'];
    // the click opens the file (showTextDocument), then asks for the hover at the position
    const text = readFileSync(join(root, 'finetune.sh'), 'utf8');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri('finetune.sh'), languageId: 'shellscript', version: 1, text } });
    const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri: uri('finetune.sh') }, position: finetune.position });
    expect(JSON.stringify(hover)).toContain('tune cp llama3_1/8B_lora ./8B_lora.yaml');
  });

  it('a finding that depends on another file goes when that file appears (findings are never cached)', async () => {
    writeFileSync(join(root, 'configs/gone.yaml'), LORA_CONFIG);
    const { byPath } = await shells();
    expect(byPath['scripts/sweep.sh'].findings!.map((f) => f.label)).toEqual(['config not readable: tune cp llama3_2/1B_full_single_device ./1B_full_single_device.yaml']);
    expect(byPath['scripts/sweep.sh'].position.line).toBe(1);
  });

  it('a shell script read again once edited on disk, and an open one from its edited text', async () => {
    writeFileSync(join(root, 'scripts/prep.sh'), '#!/bin/bash\npython prep.py --out data\ntune run full_finetune_single_device --config llama2/7B_full\n');
    expect((await shells()).byPath['scripts/prep.sh']?.findings!.map((f) => f.label)).toEqual(['config not readable: tune cp llama2/7B_full ./7B_full.yaml']);

    const text = 'tune run lora_finetune_single_device --config configs/lora.yaml\ntune run lora_finetune_single_device --config llama3_2/3B_lora_single_device\n';
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri('scripts/ok.sh'), languageId: 'shellscript', version: 1, text } });
    const ok = (await shells()).byPath['scripts/ok.sh'];
    expect(ok.findings!.map((f) => [f.position.line, f.label])).toEqual([[1, 'config not readable: tune cp llama3_2/3B_lora_single_device ./3B_lora_single_device.yaml']]);
    expect(readFileSync(join(root, 'scripts/ok.sh'), 'utf8')).not.toContain('3B_lora');
  });
});
