/** Building `ValueInfo`s: what a job field is, and how TrainLens knows it. */
import type { Node } from 'web-tree-sitter';
import { hasAssumedStep, type Evaluated } from '../python/evaluate';
import type { Range, ValueInfo } from './types';

export function rangeOf(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** A value read from the code: known, unless a step of its derivation is an assumption (`torch.cuda.device_count()`). */
export function known(file: string, value: unknown, evaluated: Evaluated & { ok: true }, site?: Node): ValueInfo {
  const reason = evaluated.via.length > 0 ? evaluated.via.join(' → ') : undefined;
  const source = evaluated.origin ?? { file, range: rangeOf(site ?? evaluated.node) };
  return { value, status: hasAssumedStep(evaluated.via) ? 'assumed' : 'known', source, ...(reason ? { reason } : {}) };
}

export function assumed(value: unknown, reason: string, file?: string, at?: Node): ValueInfo {
  return { value, status: 'assumed', reason, ...(file && at ? { source: { file, range: rangeOf(at) } } : {}) };
}

export function unknownValue(reason: string, file?: string, at?: Node): ValueInfo {
  return { value: null, status: 'unknown', reason, ...(file && at ? { source: { file, range: rangeOf(at) } } : {}) };
}
