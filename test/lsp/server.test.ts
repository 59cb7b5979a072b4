/**
 * The server's LSP behaviour, in process, with a stand-in analyzer: diagnostics and their data,
 * hovers, quick fixes, debouncing, settings, errors and close. The bundled server with the real
 * analyzer is exercised by protocol.test.ts.
 */
import { PassThrough } from 'node:stream';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createConnection, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrainLensServer } from '../../server/src/lsp/trainlensServer';
import { createFakeAnalyzer, TOY_SCRIPT, type FakeAnalyzer } from './helpers/fakeAnalyzer';
import { editsOf, hoverMarkdown, LspTestClient, positionOf } from './helpers/lspClient';

const GiB = 2 ** 30;
const URI = 'file:///work/train.py';

let analyzer: FakeAnalyzer;
let server: Connection;
let client: LspTestClient;

beforeEach(async () => {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  analyzer = createFakeAnalyzer();
  server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  new TrainLensServer(server, Promise.resolve(analyzer)).register();
  server.listen();
  client = new LspTestClient(new StreamMessageReader(toClient), new StreamMessageWriter(toServer), () => ({ gpu: 'V100-32GB', gpuCount: 2 }));
  await client.initialize(null);
});

afterEach(async () => {
  await client.shutdown();
  client.dispose();
  server.dispose();
});

describe('diagnostics', () => {
  it('publishes findings with code, source, version and the fix ids', async () => {
    await client.open(URI, TOY_SCRIPT);
    const { diagnostics, version } = await client.waitForDiagnostics(URI);
    expect(version).toBe(1);
    expect(diagnostics).toEqual([{
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 9 } },
      severity: 1,
      code: 'TL001',
      source: 'trainlens',
      message: 'needs 100.5 GiB per GPU; V100-32GB has 32.0 GiB',
      data: { fixIds: ['halve-batch', 'no-edit'] },
    }]);
    expect(analyzer.calls[0].settings).toEqual({ gpu: 'V100-32GB', gpus: 2 });
    expect(client.configurationRequests).toContain(URI);
  });

  it('sends the status-bar summary', async () => {
    await client.open(URI, TOY_SCRIPT);
    expect(await client.waitForStatus(URI)).toEqual({
      uri: URI, gpu: 'V100-32GB', capacity_bytes: 32 * GiB, total_bytes: 100.5 * GiB, fits: false,
    });
  });

  it('analyses a burst of edits once, for the last version, and never publishes an older one after it', async () => {
    await client.open(URI, TOY_SCRIPT);
    await client.waitForDiagnostics(URI);
    // Sent back to back, as keystrokes closer together than the debounce delay.
    await Promise.all([2, 3, 4, 5, 6].map((version) => client.change(URI, version, TOY_SCRIPT.replace('batch = 8', `batch = ${version}`))));
    const last = await client.waitForDiagnostics(URI, (p) => p.version === 6);
    expect(last.diagnostics[0].message).toBe('needs 80.5 GiB per GPU; V100-32GB has 32.0 GiB');
    expect(analyzer.calls.map((c) => c.version)).toEqual([1, 6]);
    const versions = client.published.map((p) => p.version);
    expect(versions).toEqual([1, 6]);
  });

  it('reports an analysis that throws as one Information diagnostic and keeps serving', async () => {
    await client.open(URI, 'raise SystemExit');
    const { diagnostics } = await client.waitForDiagnostics(URI);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 3, source: 'trainlens' });
    expect(diagnostics[0].message).toContain('TrainLens could not analyse this file: boom');
    await client.change(URI, 2, TOY_SCRIPT);
    const fixed = await client.waitForDiagnostics(URI, (p) => p.version === 2);
    expect(fixed.diagnostics[0].code).toBe('TL001');
  });

  it('re-analyses open documents with the new settings when the configuration changes', async () => {
    await client.open(URI, TOY_SCRIPT);
    await client.waitForDiagnostics(URI);
    await client.changeSettings(() => ({ gpu: 'H200', gpuCount: 'many' }));
    await client.waitForStatus(URI, (s) => s.gpu === 'H200');
    expect(analyzer.calls.at(-1)?.settings).toEqual({ gpu: 'H200', gpus: 1 });
  });

  it('clears diagnostics and frees the tree when a document closes', async () => {
    await client.open(URI, TOY_SCRIPT);
    await client.waitForDiagnostics(URI);
    await client.close(URI);
    await client.waitForDiagnostics(URI, (p) => p.diagnostics.length === 0);
    await expect.poll(() => analyzer.closed).toEqual([URI]);
  });
});

describe('hover', () => {
  it('shows the breakdown on an anchor, with the provenance of an argument', async () => {
    await client.open(URI, TOY_SCRIPT);
    const hover = await client.hover(URI, positionOf(TOY_SCRIPT, 'batch = 8', 8));
    const markdown = hoverMarkdown(hover);
    expect(markdown).toContain('| Weights | 10.0 GiB |');
    expect(markdown).toContain('| **Total per GPU** | **100.5 GiB** |');
    expect(markdown).toContain('| Capacity (V100-32GB) | 32.0 GiB |');
    expect(markdown).toContain('**Micro-batch per GPU** = `8` (known; line 2; batch = 8)');
    expect(hover?.range).toEqual({ start: { line: 1, character: 8 }, end: { line: 1, character: 9 } });
  });

  it('shows it on the text that set a value, too', async () => {
    await client.open(URI, TOY_SCRIPT);
    const hover = await client.hover(URI, positionOf(TOY_SCRIPT, 'batch = 8', 2));
    expect(hoverMarkdown(hover)).toContain('**Micro-batch per GPU** = `8`');
    expect(hover?.range).toEqual({ start: { line: 1, character: 0 }, end: { line: 1, character: 9 } });
  });

  it('answers null away from anchors', async () => {
    await client.open(URI, TOY_SCRIPT + '\n\nprint("done")\n');
    expect(await client.hover(URI, positionOf(TOY_SCRIPT + '\n\nprint("done")\n', 'print', 2))).toBeNull();
  });
});

describe('code actions', () => {
  it('offers the fixes a diagnostic names, the first preferred, as versioned edits', async () => {
    await client.open(URI, TOY_SCRIPT);
    const { diagnostics } = await client.waitForDiagnostics(URI);
    const actions = await client.codeActions(URI, diagnostics[0].range, diagnostics);
    expect(actions).toEqual([{
      title: 'Halve the batch',
      kind: 'quickfix',
      diagnostics,
      isPreferred: true,
      edit: { documentChanges: [{ textDocument: { uri: URI, version: 1 }, edits: [{ range: { start: { line: 1, character: 8 }, end: { line: 1, character: 9 } }, newText: '4' }] }] },
    }]);
    const fixed = TextDocument.applyEdits(TextDocument.create(URI, 'python', 1, TOY_SCRIPT), editsOf(actions![0], URI));
    expect(fixed).toContain('batch = 4');
  });

  it('offers nothing when only other kinds are asked for, or for foreign diagnostics', async () => {
    await client.open(URI, TOY_SCRIPT);
    const { diagnostics } = await client.waitForDiagnostics(URI);
    expect(await client.codeActions(URI, diagnostics[0].range, diagnostics, ['refactor'])).toEqual([]);
    const foreign = diagnostics.map((d) => ({ ...d, source: 'pylint' }));
    expect(await client.codeActions(URI, diagnostics[0].range, foreign)).toEqual([]);
  });
});
