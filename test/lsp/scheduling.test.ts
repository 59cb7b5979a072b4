/**
 * When the server analyses: the adaptive debounce, bursts of edits, the file-size limit, and a
 * parser that failed to load (one clear message, no retry loop). In process, with the stand-in
 * analyzer of helpers/fakeAnalyzer.ts, so only the scheduling is under test.
 */
import { PassThrough } from 'node:stream';
import { createConnection, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentAnalyzer } from '../../server/src/lsp/analyses';
import { TrainLensServer } from '../../server/src/lsp/trainlensServer';
import { debounceDelay } from '../../server/src/lsp/validation';
import { createFakeAnalyzer, TOY_SCRIPT } from './helpers/fakeAnalyzer';
import { LspTestClient } from './helpers/lspClient';

const URI = 'file:///work/train.py';
let server: Connection | undefined;
let client: LspTestClient | undefined;
let logged: string[] = [];

async function start(analyzer: Promise<DocumentAnalyzer>, settings: Record<string, unknown> = {}): Promise<LspTestClient> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const log = (message: string) => logged.push(message);
  Object.assign(server.console, { error: log, warn: log, info: log, log });
  new TrainLensServer(server, analyzer).register();
  server.listen();
  client = new LspTestClient(new StreamMessageReader(toClient), new StreamMessageWriter(toServer), () => ({ gpu: 'V100-32GB', ...settings }));
  await client.initialize(null);
  return client;
}

afterEach(async () => {
  await client?.shutdown();
  client?.dispose();
  server?.dispose();
  client = server = undefined;
  logged = [];
});

describe('debounce delay', () => {
  it('is none before the first analysis, then twice the cost of an analysis after an edit within 15-150 ms', () => {
    expect(debounceDelay(undefined)).toBe(0);
    expect(debounceDelay(0)).toBe(15);
    expect(debounceDelay(0.3)).toBe(15);
    expect(debounceDelay(8)).toBe(16);
    expect(debounceDelay(60)).toBe(120);
    expect(debounceDelay(900)).toBe(150);
  });
});

describe('analysis scheduling', () => {
  it('analyses a burst of 30 incremental edits once, for its final text, and publishes versions in order', async () => {
    const analyzer = createFakeAnalyzer();
    // An analysis of ~25 ms makes the debounce ~50 ms: a margin for a loaded test machine.
    const analyze = analyzer.analyze.bind(analyzer);
    analyzer.analyze = (...args) => {
      const until = performance.now() + 25;
      while (performance.now() < until);
      return analyze(...args);
    };
    const lsp = await start(Promise.resolve(analyzer));
    await lsp.open(URI, TOY_SCRIPT);
    await lsp.waitForDiagnostics(URI);
    // One keystroke at a time at the end of the file, as ranged (incremental) changes: three alone
    // (they time analyses after an edit), then a burst.
    const line = TOY_SCRIPT.split('\n').length - 1;
    const type = (version: number, character: number) => lsp.changeRange(URI, version, { start: { line, character }, end: { line, character } }, 'x');
    for (const version of [2, 3, 4]) {
      await type(version, version - 2);
      await lsp.waitForDiagnostics(URI, (p) => p.version === version);
    }
    await Promise.all(Array.from({ length: 30 }, (_, i) => type(i + 5, i + 3)));
    await lsp.waitForDiagnostics(URI, (p) => p.version === 34);
    expect(analyzer.calls.map((c) => c.version)).toEqual([1, 2, 3, 4, 34]);
    expect(analyzer.calls.at(-1)?.text).toBe(TOY_SCRIPT + 'x'.repeat(33));
    const versions = lsp.published.map((p) => p.version!);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('skips a file over trainlens.maxFileSize with an information message, and analyses it once it is small again', async () => {
    const analyzer = createFakeAnalyzer();
    const lsp = await start(Promise.resolve(analyzer), { maxFileSize: 4096 });
    const big = TOY_SCRIPT + '#'.repeat(5000);
    await lsp.open(URI, big);
    const skipped = await lsp.waitForDiagnostics(URI);
    expect(skipped.diagnostics).toEqual([expect.objectContaining({
      severity: 3,
      source: 'trainlens',
      message: `TrainLens skipped this file: ${(big.length / 1024).toFixed(1)} KiB is over the trainlens.maxFileSize limit of 4.0 KiB`,
    })]);
    expect(analyzer.calls).toEqual([]);
    expect((await lsp.waitForStatus(URI)).message).toContain('skipped');
    await lsp.change(URI, 2, TOY_SCRIPT);
    const analysed = await lsp.waitForDiagnostics(URI, (p) => p.version === 2);
    expect(analysed.diagnostics[0].code).toBe('TL001');
    await lsp.change(URI, 3, big);
    await lsp.waitForDiagnostics(URI, (p) => p.version === 3);
    expect(analyzer.closed).toContain(URI); // the tree of version 2 is freed
  });

  it('reports a parser that failed to load once in the log and on every file, and keeps serving', async () => {
    const failed = Promise.reject(new Error('tree-sitter-python.wasm: invalid magic number'));
    const lsp = await start(failed);
    await lsp.open(URI, TOY_SCRIPT);
    await lsp.open('file:///work/other.py', 'x = 1');
    for (const uri of [URI, 'file:///work/other.py']) {
      const { diagnostics } = await lsp.waitForDiagnostics(uri);
      expect(diagnostics[0].message).toBe('TrainLens could not load its parser: tree-sitter-python.wasm: invalid magic number');
      expect((await lsp.waitForStatus(uri)).message).toBe(diagnostics[0].message);
    }
    expect(await lsp.hover(URI, { line: 0, character: 1 })).toBeNull();
    expect(logged.filter((m) => m.includes('did not start'))).toHaveLength(1);
  });
});
