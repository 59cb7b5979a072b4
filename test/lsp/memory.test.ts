/**
 * `trainlens/memory` (the latency bench reads the server's memory through it): the process's
 * figures, and whether a full garbage collection ran first (only when node exposes gc).
 */
import { PassThrough } from 'node:stream';
import { createConnection, RequestType, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { expect, it } from 'vitest';
import type { MemoryResult } from '../../server/src/lsp/memory';
import { TrainLensServer } from '../../server/src/lsp/trainlensServer';
import { createFakeAnalyzer } from './helpers/fakeAnalyzer';
import { LspTestClient } from './helpers/lspClient';

it('answers trainlens/memory with the process memory, collected only where gc is exposed', async () => {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  new TrainLensServer(server, Promise.resolve(createFakeAnalyzer())).register();
  server.listen();
  const client = new LspTestClient(new StreamMessageReader(toClient), new StreamMessageWriter(toServer), () => ({}));
  try {
    await client.initialize(null);
    const memory = await client.request(new RequestType<null, MemoryResult, void>('trainlens/memory'), null);
    expect(memory.collected).toBe(typeof (globalThis as { gc?: unknown }).gc === 'function');
    expect(memory.rss).toBeGreaterThan(memory.heapUsed);
    expect(memory.heapTotal).toBeGreaterThanOrEqual(memory.heapUsed);
    expect(memory.heapUsed).toBeGreaterThan(0);
    await client.shutdown();
  } finally {
    client.dispose();
    server.dispose();
  }
});
