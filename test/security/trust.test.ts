/**
 * Workspace trust: told that the workspace is untrusted (initializationOptions.workspaceTrusted
 * false, as the VS Code client sends in Restricted Mode), the bundled server reads no file of the
 * workspace, only the documents the editor sends; trusted, it reads the config the script names.
 * Every file-system access under the workspace is recorded by a preload.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterAll, describe, expect, it } from 'vitest';
import { builtBundle } from '../lsp/helpers/build';
import { LspTestClient } from '../lsp/helpers/lspClient';

const PRELOAD = join(__dirname, 'fixtures', 'record-reads.cjs');
const base = mkdtempSync(join(tmpdir(), 'trainlens-trust-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const SCRIPT = `from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
args = TrainingArguments(output_dir="out", per_device_train_batch_size=8, deepspeed="ds_config.json")
Trainer(model=model, args=args).train()
`;

/** The accesses the server made under the workspace while analysing the script. */
async function readsDuringSession(trusted: boolean): Promise<string> {
  const workspace = mkdtempSync(join(base, trusted ? 'trusted-' : 'untrusted-'));
  const log = join(base, `${trusted}.log`);
  writeFileSync(join(workspace, 'train.py'), SCRIPT);
  writeFileSync(join(workspace, 'ds_config.json'), '{"zero_optimization": {"stage": 3}}');
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--require', PRELOAD, builtBundle('server.js'), '--stdio'], {
    env: { ...process.env, TRAINLENS_WATCHED_DIR: workspace, TRAINLENS_READS_LOG: log },
  });
  const client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'A100-80GB', gpuCount: 1 }));
  try {
    await client.initialize(process.pid, [pathToFileURL(workspace).href], { workspaceTrusted: trusted });
    const uri = pathToFileURL(join(workspace, 'train.py')).href;
    await client.open(uri, SCRIPT);
    await client.waitForDiagnostics(uri);
    await client.shutdown();
    await client.exit();
  } finally {
    client.dispose();
    child.kill();
  }
  return readFileSync(log, 'utf8');
}

describe('workspace trust', () => {
  it('trusted: the server reads the DeepSpeed config the script names (so the record can catch reads)', async () => {
    expect(await readsDuringSession(true)).toContain('ds_config.json');
  });

  it('untrusted: the server reads nothing under the workspace', async () => {
    expect(await readsDuringSession(false)).toBe('');
  });
});
