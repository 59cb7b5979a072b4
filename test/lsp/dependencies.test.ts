/**
 * A script's estimate depends on files besides it (its ds_config, launcher, model config.json, imported
 * modules). When one changes on disk, the open script is analysed again at the same version: through the
 * file watcher a client registers for the server, or through saves when the client watches nothing.
 * The bundled server over stdio, a workspace on disk.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileChangeType, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { afterEach, describe, expect, it } from 'vitest';
import { builtBundle, ROOT } from './helpers/build';
import { LspTestClient } from './helpers/lspClient';

const SCRIPT = readFileSync(join(ROOT, 'examples', 'llama2-7b-zero3-offload.py'), 'utf8');
const CONFIG = readFileSync(join(ROOT, 'examples', 'ds_config_zero3_offload.json'), 'utf8');
/** The same config without any offload: the script needs far more memory per GPU. */
const NO_OFFLOAD = JSON.stringify({ ...JSON.parse(CONFIG), zero_optimization: { stage: 0 } }, null, 2);

const running: { child: ChildProcessWithoutNullStreams; client: LspTestClient }[] = [];
afterEach(async () => {
  for (const { child, client } of running.splice(0)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await client.shutdown();
    await client.exit();
    await exited;
    client.dispose();
  }
});

async function serverIn(root: string, watchesFiles: boolean): Promise<LspTestClient> {
  const child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: root });
  const client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'A100-80GB', gpuCount: 1 }));
  running.push({ child, client });
  await client.initialize(process.pid, [pathToFileURL(root).href], undefined, watchesFiles);
  return client;
}

function workspace(): { root: string; script: string; config: string } {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-deps-'));
  writeFileSync(join(root, 'llama2-7b-zero3-offload.py'), SCRIPT);
  writeFileSync(join(root, 'ds_config_zero3_offload.json'), CONFIG);
  return { root, script: pathToFileURL(join(root, 'llama2-7b-zero3-offload.py')).href, config: join(root, 'ds_config_zero3_offload.json') };
}

const oom = (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === 'TL001');

describe('re-analysis when a file the script reads changes', () => {
  it('a client watching files: the server registers a watcher, and a changed ds_config gives the script new diagnostics', async () => {
    const { root, script, config } = workspace();
    const client = await serverIn(root, true);
    const registration = await client.waitForRegistration('workspace/didChangeWatchedFiles');
    expect(JSON.stringify(registration.registerOptions)).toContain('json');
    await client.open(script, SCRIPT);
    const before = await client.waitForDiagnostics(script);
    expect(oom(before)).toBe(false);
    writeFileSync(config, NO_OFFLOAD);
    await client.filesChanged([{ uri: pathToFileURL(config).href, type: FileChangeType.Changed }]);
    const after = await client.waitForDiagnostics(script, oom);
    expect(after.version).toBe(1); // the script itself did not change
    expect(after.diagnostics.find((d) => d.code === 'TL001')!.message).toMatch(/needs [\d.]+ GiB per GPU; A100-80GB has 80\.0 GiB/);
  });

  it('a client that watches nothing: saving the config in the editor does the same', async () => {
    const { root, script, config } = workspace();
    const client = await serverIn(root, false);
    await client.open(script, SCRIPT);
    expect(oom(await client.waitForDiagnostics(script))).toBe(false);
    writeFileSync(config, NO_OFFLOAD);
    await client.open(pathToFileURL(config).href, NO_OFFLOAD, 'json');
    await client.save(pathToFileURL(config).href);
    expect(oom(await client.waitForDiagnostics(script, oom))).toBe(true);
    expect(client.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles')).toBe(false);
  });

  it('a change to an unrelated kind of file analyses nothing again', async () => {
    const { root, script } = workspace();
    const client = await serverIn(root, true);
    await client.open(script, SCRIPT);
    await client.waitForDiagnostics(script);
    const published = client.published.length;
    await client.filesChanged([{ uri: pathToFileURL(join(root, 'notes.txt')).href, type: FileChangeType.Created }]);
    // a second, relevant event afterwards: only it may publish, once
    await client.filesChanged([{ uri: pathToFileURL(join(root, 'run.sh')).href, type: FileChangeType.Created }]);
    await client.waitForDiagnostics(script, (p) => client.published.indexOf(p) >= published);
    expect(client.published.slice(published).filter((p) => p.uri === script)).toHaveLength(1);
  });
});
