/**
 * `trainlens/memory`: the server's memory use, for the latency bench (which reads it as it stands,
 * after idle time) and for diagnosing a server that grows: started with --expose-gc, the server
 * runs a full garbage collection first, so the figures are what stays in use.
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
