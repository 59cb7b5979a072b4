/**
 * "TrainLens: Show memory timeline": the `trainlens/timeline` request through the bundled server over stdio (the
 * step timeline, the breakdown, and the timeline after each quick fix), and the webview HTML rendered from its
 * answer (the chart, the capacity line, the peak label, theme colours, a CSP that runs only the nonce'd script).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakLabel, timelineHtml } from '../../client/src/timelineHtml';
import { TimelineRequest, type TimelineResult } from '../../server/src/lsp/protocol';
import { builtBundle, ROOT } from '../lsp/helpers/build';
import { LspTestClient } from '../lsp/helpers/lspClient';

let child: ChildProcessWithoutNullStreams;
let client: LspTestClient;
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: ROOT });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'A100-80GB', gpuCount: 1 }));
  await client.initialize(process.pid);
}, 120_000);

afterAll(async () => {
  await client.shutdown();
  await client.exit();
  client.dispose();
  expect(stderr).toBe('');
});

const OOM =
  'from transformers import AutoModelForCausalLM, TrainingArguments\n' +
  'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n' +
  'args = TrainingArguments(per_device_train_batch_size=16, bf16=True)\n';

let answer: TimelineResult;

describe('trainlens/timeline over LSP', () => {
  it('answers with the step timeline, the breakdown and each quick fix after', async () => {
    const uri = 'file:///w/oom.py';
    await client.open(uri, OOM);
    answer = await client.request(TimelineRequest, { uri });
    expect(answer.gpu).toBe('A100-80GB');
    expect(answer.model).toBe('meta-llama/Llama-2-7b-hf');
    const t = answer.timeline!;
    expect(t.peak_allocated_bytes).toBe(answer.breakdown!.peak_allocated);
    expect(t.series.some((p) => p.at === t.peak_at)).toBe(true);
    expect(t.oom_at).toBeDefined();
    expect(answer.fixes.length).toBeGreaterThan(0);
    const ckpt = answer.fixes.find((f) => f.id === 'enable-gradient-checkpointing');
    expect(ckpt?.timeline).toBeTruthy();
    expect(ckpt!.timeline!.peak_allocated_bytes).toBeLessThan(t.peak_allocated_bytes);
  }, 60_000);

  it('says why there is no timeline for a file without a training job, or one not open', async () => {
    const uri = 'file:///w/plain.py';
    await client.open(uri, 'print("hello")\n');
    const none = await client.request(TimelineRequest, { uri });
    expect(none.timeline).toBeNull();
    expect(none.message).toMatch(/no training step/);
    const closed = await client.request(TimelineRequest, { uri: 'file:///w/never-opened.py' });
    expect(closed.timeline).toBeNull();
    expect(closed.message).toMatch(/not open/);
  }, 60_000);
});

describe('timeline webview HTML', () => {
  it('draws the chart with every component, the capacity line and the peak labelled with its phase', () => {
    const html = timelineHtml(answer, 'NONCE123', 'vscode-resource:');
    const t = answer.timeline!;
    expect(html).toContain('<svg id="timeline-chart"');
    for (const c of ['weights', 'gradients', 'optimizer_states', 'activations', 'autocast_weight_copies', 'other']) expect(html).toContain(`data-component="${c}"`);
    expect(html).toContain('id="capacity-line"');
    expect(html).toContain('capacity A100-80GB 80.0 GiB');
    expect(peakLabel(t)).toBe(`peak ${(t.peak_allocated_bytes / 2 ** 30).toFixed(1)} GiB allocated at ${t.peak_at}`);
    expect(html).toContain(`<text id="peak-label"`);
    expect(html).toContain(`>${peakLabel(t)}</text>`);
    expect(html).toContain(`Out of memory at</td><td class="num">${t.oom_at}`);
  });

  it('follows the theme, runs only its nonce script, and offers each fix as a before/after overlay', () => {
    const html = timelineHtml(answer, 'NONCE123', 'vscode-resource:');
    expect(html).toContain('var(--vscode-editor-background)');
    expect(html).toContain("script-src 'nonce-NONCE123'");
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script nonce="NONCE123">');
    expect(html).toContain('<select id="fix">');
    expect((html.match(/<g class="fix"/g) ?? []).length).toBe(answer.fixes.filter((f) => f.timeline).length);
  });

  it('escapes text from the document and shows the message when there is no timeline', () => {
    const html = timelineHtml({ ...answer, model: '<img src=x onerror=alert(1)>' }, 'N', 'c');
    expect(html).not.toContain('<img');
    expect(timelineHtml({ ...answer, timeline: null, message: 'nothing <here>' }, 'N', 'c')).toContain('<p id="message">nothing &lt;here&gt;</p>');
  });
});
