/**
 * A torchtune recipe config over stdio with the bundled server: the workspace's `tune run` line
 * applies (its overrides and GPU count), and the hover on a key shows where its value came from.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBundle, ROOT } from './helpers/build';
import { hoverMarkdown, LspTestClient, positionOf } from './helpers/lspClient';

const CASE = join(ROOT, 'test', 'fixtures', 'scripts', 'u1-torchtune-lora-launcher');
const CONFIG = join(CASE, 'configs', 'llama3_8B_lora.yaml');
const URI = pathToFileURL(CONFIG).href;
const TEXT = readFileSync(CONFIG, 'utf8');

let child: ChildProcessWithoutNullStreams;
let client: LspTestClient;

beforeAll(async () => {
  child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: CASE });
  client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'RTX-4090', gpuCount: 1 }));
  await client.initialize(process.pid, [pathToFileURL(CASE).href]);
}, 60_000);

afterAll(async () => {
  await client.shutdown();
  await client.exit();
  client.dispose();
});

describe('a torchtune config in the editor', () => {
  it('is estimated with its launch line, and the hover on a key names its source', async () => {
    await client.open(URI, TEXT);
    await client.waitForDiagnostics(URI, () => true);
    const onModel = hoverMarkdown(await client.hover(URI, positionOf(TEXT, '_component_: torchtune.models.llama3.lora_llama3_8b', 3)));
    expect(onModel).toContain('`meta-llama/Meta-Llama-3-8B`, micro-batch 2 × 2048 tokens, bf16');
    expect(onModel).toContain('torchtune builder lora\\_llama3\\_8b');
    const onSeq = hoverMarkdown(await client.hover(URI, positionOf(TEXT, 'max_seq_len: 2048', 2)));
    expect(onSeq).toMatch(/tokenizer\.max\\?_seq\\?_len: 2048/);
  });
});
