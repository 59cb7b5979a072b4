/**
 * The bundled server never opens a network connection and never starts a process (so never runs
 * the user's code): it runs with a preload that makes every such Node API throw and record the
 * attempt, through a session that uses every feature, in a workspace whose scripts name a
 * DeepSpeed config, a local model folder and a hub model id. The session must work and the record
 * stay empty; the test itself checks that the preload does catch an attempt.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterAll, describe, expect, it } from 'vitest';
import { builtBundle } from '../lsp/helpers/build';
import { hoverMarkdown, LspTestClient, positionOf } from '../lsp/helpers/lspClient';

const PRELOAD = join(__dirname, 'fixtures', 'deny-network-and-processes.cjs');
const base = mkdtempSync(join(tmpdir(), 'trainlens-network-'));
const deniedLog = join(base, 'denied.log');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const SCRIPT = `import subprocess, urllib.request
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
subprocess.run(["curl", "https://example.com"])  # user code that must never run
urllib.request.urlopen("https://huggingface.co/api/models/gpt2")
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
local = AutoModelForCausalLM.from_pretrained("./my-model")
args = TrainingArguments(output_dir="out", per_device_train_batch_size=8, deepspeed="ds_config.json", bf16=True)
Trainer(model=model, args=args).train()
`;

describe('bundled server under a no-network, no-process preload', () => {
  it('the preload records and refuses an attempt (so an empty record means something)', () => {
    const probe = spawnSync(process.execPath, ['--require', PRELOAD, '-e', 'try { require("node:net").connect(443, "example.com") } catch {}'], {
      env: { ...process.env, TRAINLENS_DENIED_LOG: join(base, 'probe.log') },
    });
    expect(probe.status).toBe(0);
    expect(readFileSync(join(base, 'probe.log'), 'utf8')).toBe('net.connect\n');
  });

  it('serves diagnostics, hovers, quick fixes and config features without any connection or process', async () => {
    const workspace = join(base, 'workspace');
    mkdirSync(join(workspace, 'my-model'), { recursive: true });
    writeFileSync(join(workspace, 'train.py'), SCRIPT);
    writeFileSync(join(workspace, 'ds_config.json'), '{"zero_optimization": {"stage": 2}, "train_micro_batch_size_per_gpu": "auto"}');
    writeFileSync(join(workspace, 'my-model', 'config.json'), '{"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257}');
    writeFileSync(deniedLog, '');
    const child = spawn(process.execPath, ['--require', PRELOAD, builtBundle('server.js'), '--stdio'], {
      cwd: workspace,
      env: { ...process.env, TRAINLENS_DENIED_LOG: deniedLog, HF_HUB_CACHE: join(base, 'hf-cache') },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'V100-32GB', gpuCount: 1 }));
    try {
      await client.initialize(process.pid, [pathToFileURL(workspace).href]);
      const uri = pathToFileURL(join(workspace, 'train.py')).href;
      const configUri = pathToFileURL(join(workspace, 'ds_config.json')).href;
      await client.open(uri, SCRIPT);
      await client.open(configUri, readFileSync(join(workspace, 'ds_config.json'), 'utf8'), 'json');
      const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'TL001'));
      await client.waitForDiagnostics(configUri);
      expect(hoverMarkdown(await client.hover(uri, positionOf(SCRIPT, 'Llama-2-7b-hf', 3)))).toContain('| **Total per GPU** |');
      const oom = diagnostics.find((d) => d.code === 'TL001')!;
      expect((await client.codeActions(uri, oom.range, [oom])) ?? []).not.toEqual([]);
      await client.completion(configUri, positionOf(readFileSync(join(workspace, 'ds_config.json'), 'utf8'), '"stage"', 1));
      await client.shutdown();
      await client.exit();
    } finally {
      client.dispose();
      child.kill();
    }
    expect(readFileSync(deniedLog, 'utf8')).toBe('');
    expect(stderr).toBe('');
  });
});
