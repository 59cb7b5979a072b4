/**
 * Fault recovery of the bundled server (dist/server.js over stdio):
 * - killed with documents open, a new process given the same documents (what the VS Code client
 *   does on a crash: vscode-languageclient restarts the server and re-opens its documents) publishes
 *   the same diagnostics: nothing the analysis needs lives only in the dead process;
 * - a grammar wasm that fails to load: the server stays up, logs the error once, and answers every
 *   document with an information diagnostic and a status message saying so (no crash, no retry loop).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterAll, describe, expect, it } from 'vitest';
import { builtBundle, ROOT } from './helpers/build';
import { LspTestClient } from './helpers/lspClient';

const base = mkdtempSync(join(tmpdir(), 'trainlens-recovery-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const DOCUMENTS = ['llama2-7b-full-finetune.py', 'gpt2-small-from-scratch.py'].map((name) => ({
  uri: pathToFileURL(join(ROOT, 'examples', name)).href,
  text: readFileSync(join(ROOT, 'examples', name), 'utf8'),
}));

function startServer(bundle: string): { child: ChildProcessWithoutNullStreams; client: LspTestClient } {
  const child = spawn(process.execPath, [bundle, '--stdio'], { cwd: base });
  const client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'V100-32GB', gpuCount: 1 }));
  return { child, client };
}

async function openAll(client: LspTestClient) {
  for (const { uri, text } of DOCUMENTS) await client.open(uri, text);
  return Promise.all(DOCUMENTS.map(({ uri }) => client.waitForDiagnostics(uri, () => true, 30_000)));
}

describe('fault recovery', () => {
  it('a server killed with documents open is replaced by one that publishes the same diagnostics', async () => {
    const first = startServer(builtBundle('server.js'));
    await first.client.initialize(process.pid);
    const before = await openAll(first.client);
    expect(before.flatMap((p) => p.diagnostics).length).toBeGreaterThan(0);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
    first.child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    first.client.dispose();

    const second = startServer(builtBundle('server.js'));
    await second.client.initialize(process.pid);
    const after = await openAll(second.client);
    expect(after.map((p) => p.diagnostics)).toEqual(before.map((p) => p.diagnostics));
    await second.client.shutdown();
    await second.client.exit();
    second.client.dispose();
  });

  it('a grammar that fails to load: a clear message on every document and in the status, logged once, and the server stays up', async () => {
    // A copy of the bundle whose Python grammar is corrupt (and no node_modules above it to fall back on).
    const dist = join(base, 'dist');
    builtBundle('server.js');
    cpSync(join(ROOT, 'dist'), dist, { recursive: true, filter: (src) => !src.endsWith('.vsix') });
    writeFileSync(join(dist, 'grammars', 'tree-sitter-python.wasm'), 'not a wasm module');
    const { child, client } = startServer(join(dist, 'server.js'));
    let exited = false;
    child.once('exit', () => (exited = true));
    await client.initialize(process.pid);
    const published = await openAll(client);
    for (const { diagnostics } of published) {
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ severity: 3, source: 'trainlens' });
      expect(diagnostics[0].message).toMatch(/^TrainLens could not load its parser: /);
    }
    const status = await client.waitForStatus(DOCUMENTS[0].uri);
    expect(status.message).toBe(published[0].diagnostics[0].message);
    expect(await client.hover(DOCUMENTS[0].uri, { line: 0, character: 0 })).toBeNull();
    await client.change(DOCUMENTS[0].uri, 2, `${DOCUMENTS[0].text}\n# edited\n`);
    await client.waitForDiagnostics(DOCUMENTS[0].uri, (p) => p.version === 2);
    expect(client.logs.filter((m) => m.includes('the analyzer did not start'))).toHaveLength(1);
    expect(exited).toBe(false);
    await client.shutdown();
    await client.exit();
    client.dispose();
  });
});
