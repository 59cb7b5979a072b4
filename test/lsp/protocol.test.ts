/**
 * The bundled server (dist/server.js --stdio) as an editor sees it: a child process speaking
 * JSON-RPC over stdio, the real analyzer and grammars, a real example script. Any stray write to
 * stdout would break the message stream and fail these tests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { StreamMessageReader, StreamMessageWriter, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBundle, ROOT } from './helpers/build';
import { editsOf, hoverMarkdown, LspTestClient, positionOf } from './helpers/lspClient';

const SCRIPT = join(ROOT, 'examples', 'llama2-7b-full-finetune.py');
const URI = pathToFileURL(SCRIPT).href;
const TEXT = readFileSync(SCRIPT, 'utf8');
const GiB = 2 ** 30;

let child: ChildProcessWithoutNullStreams;
let client: LspTestClient;
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: ROOT });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({
    gpu: 'V100-32GB',
    gpuCount: 1,
  }));
  await client.initialize(process.pid);
}, 60_000);

afterAll(async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await client.shutdown();
  await client.exit();
  expect(await exited).toBe(0);
  client.dispose();
  expect(stderr).toBe('');
});

/** The number of GiB in "needs 93.4 GiB per GPU". */
function neededGiB(diagnostic: Diagnostic): number {
  const match = /needs ([\d.]+) GiB per GPU/.exec(diagnostic.message);
  if (!match) throw new Error(`no "needs N GiB per GPU" in: ${diagnostic.message}`);
  return Number(match[1]);
}

/** The line range of the TrainingArguments(...) call. */
function trainingArgumentsLines(text: string): [number, number] {
  const start = positionOf(text, 'TrainingArguments(').line;
  const lines = text.split('\n');
  const end = lines.findIndex((line, i) => i > start && line.startsWith(')'));
  return [start, end];
}

describe('bundled server over stdio, on examples/llama2-7b-full-finetune.py', () => {
  let oom: Diagnostic;

  it('reports the out-of-memory error on the TrainingArguments batch size', async () => {
    await client.open(URI, TEXT);
    const published = await client.waitForDiagnostics(URI, (p) => p.diagnostics.some((d) => d.code === 'TL001'));
    oom = published.diagnostics.find((d) => d.code === 'TL001')!;
    expect(oom).toMatchObject({ severity: 1, source: 'trainlens' });
    expect(oom.message).toMatch(/^needs [\d.]+ GiB per GPU; V100-32GB has 32\.0 GiB/);
    expect(neededGiB(oom)).toBeGreaterThan(32);
    const [first, last] = trainingArgumentsLines(TEXT);
    expect(oom.range.start.line).toBeGreaterThanOrEqual(first);
    expect(oom.range.end.line).toBeLessThanOrEqual(last);
    expect((oom.data as { fixIds: string[] }).fixIds).toContain('enable-gradient-checkpointing');
    const status = await client.waitForStatus(URI);
    expect(status).toMatchObject({ gpu: 'V100-32GB', capacity_bytes: 32 * GiB, fits: false });
    expect(status.total_bytes! / GiB).toBeCloseTo(neededGiB(oom), 1);
  });

  it('shows the memory breakdown when hovering the model id, where it is set and where it is loaded', async () => {
    for (const position of [
      positionOf(TEXT, '"meta-llama/Llama-2-7b-hf"', 5),
      positionOf(TEXT, 'from_pretrained(MODEL_ID, attn', 'from_pretrained('.length + 2),
    ]) {
      const markdown = hoverMarkdown(await client.hover(URI, position));
      expect(markdown).toContain('| Weights |');
      expect(markdown).toContain('| **Total per GPU** |');
      expect(markdown).toContain('| Capacity (V100-32GB) | 32.0 GiB |');
      expect(markdown).toContain('**Model** = `meta-llama/Llama-2-7b-hf`');
    }
  });

  it('fixes it with gradient checkpointing, and the re-analysed document needs less memory', async () => {
    const actions = (await client.codeActions(URI, oom.range, [oom])) ?? [];
    const checkpointing = actions.find((a) => a.title.startsWith('Enable gradient checkpointing'));
    expect(checkpointing, JSON.stringify(actions.map((a) => a.title))).toBeDefined();
    const edits = editsOf(checkpointing!, URI);
    expect(edits.length).toBeGreaterThan(0);
    const fixed = TextDocument.applyEdits(TextDocument.create(URI, 'python', 1, TEXT), edits);
    expect(fixed).toContain('gradient_checkpointing=True');

    await client.change(URI, 2, fixed);
    const after = await client.waitForDiagnostics(URI, (p) => p.version === 2);
    const oomAfter = after.diagnostics.find((d) => d.code === 'TL001');
    expect(oomAfter, JSON.stringify(after.diagnostics)).toBeDefined();
    expect(neededGiB(oomAfter!)).toBeLessThan(neededGiB(oom));
    const hover = hoverMarkdown(await client.hover(URI, positionOf(fixed, '"meta-llama/Llama-2-7b-hf"', 5)));
    expect(hover).toContain('gradient checkpointing');
  });

  it('answers binary junk, half-typed code and a large file without dying', async () => {
    const junk = Array.from({ length: 4096 }, (_, i) => String.fromCharCode((i * 7919) % 65_536)).join('');
    const inputs: Record<string, string> = {
      'file:///tmp/junk.py': junk,
      'file:///tmp/half.py': 'from transformers import TrainingArguments\nargs = TrainingArguments(per_device_train_batch_size=',
      'file:///tmp/broken.json': '{"zero_optimization": {"stage": ',
      'file:///tmp/large.py': TEXT + '\nx = 1\n'.repeat(200_000),
    };
    for (const [uri, text] of Object.entries(inputs)) await client.open(uri, text, uri.endsWith('.json') ? 'json' : 'python');
    for (const uri of Object.keys(inputs)) await client.waitForDiagnostics(uri, () => true, 20_000);
    const markdown = hoverMarkdown(await client.hover(URI, positionOf(TEXT, '"meta-llama/Llama-2-7b-hf"', 5)));
    expect(markdown).toContain('| **Total per GPU** |');
  });
});
