/**
 * `trainlens/memory`: the server's memory use, for the latency bench and for diagnosing a server
 * that grows. A full garbage collection runs first when node was started with --expose-gc (the
 * bench does that, so that its figure is what stays in use, not garbage waiting for V8's idle-time
 * collector); otherwise the figures are as they stand.
 */
import { RequestType0 } from 'vscode-languageserver-protocol';

export interface MemoryResult {
  /** Resident set size of the process, bytes. */
  rss: number;
  /** The JavaScript heap: reserved and in use, bytes. */
  heapTotal: number;
  heapUsed: number;
  /** Memory outside the JS heap held by JS objects, bytes: tree-sitter's WebAssembly memory is most of it. */
  external: number;
  /** Whether a full garbage collection ran before measuring. */
  collected: boolean;
}

export const MemoryRequest = new RequestType0<MemoryResult, void>('trainlens/memory');

export function memoryUsage(): MemoryResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, collected: !!gc };
}
