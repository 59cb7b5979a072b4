/** estimator/src/memo.ts: a cached result is the one a call computes; the bounded cache drops the least recently used. */
import { describe, expect, it } from 'vitest';
import { boundedMemo, memo } from '../../estimator/src/memo';
import { countParams } from '../../estimator/src/params';
import { llama7b } from './models';

describe('memo', () => {
  it('computes once per key', () => {
    const calls: number[] = [];
    const square = memo((n: number) => String(n), (n: number) => (calls.push(n), n * n));
    expect([square(3), square(3), square(4)]).toEqual([9, 9, 16]);
    expect(calls).toEqual([3, 4]);
  });

  it('bounded: keeps the most recently used, recomputes what it dropped', () => {
    const calls: number[] = [];
    const double = boundedMemo(2, (n: number) => String(n), (n: number) => (calls.push(n), 2 * n));
    double(1);
    double(2);
    double(1); // 1 is now the most recent, so 2 goes when 3 comes
    double(3);
    double(1);
    double(2);
    expect(calls).toEqual([1, 2, 3, 2]);
  });

  it('countParams: a model differing only in its description shares the count; a shape change does not; counts are frozen', () => {
    const first = countParams(llama7b, null);
    const again = countParams({ ...llama7b, source: 'another description' }, undefined);
    expect(again).toBe(first);
    expect(countParams({ ...llama7b, num_layers: 16 }).total).toBeLessThan(first.total);
    expect(Object.isFrozen(first) && Object.isFrozen(first.by_module)).toBe(true);
  });
});
