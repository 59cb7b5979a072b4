/** The client's rule for restarting a server that exited on its own (client/src/restartPolicy.ts). */
import { describe, expect, it } from 'vitest';
import { crashMessage, MAX_RESTARTS, RESTART_WINDOW_MS, RestartPolicy } from '../../client/src/restartPolicy';

function policyAt(times: number[]): { policy: RestartPolicy; next: () => void } {
  let i = 0;
  const policy = new RestartPolicy(() => times[i]);
  return { policy, next: () => void i++ };
}

describe('RestartPolicy', () => {
  it('restarts up to four exits within three minutes and not the fifth', () => {
    const { policy, next } = policyAt([0, 1_000, 2_000, 3_000, 4_000]);
    const decisions = Array.from({ length: 5 }, () => {
      const d = policy.exited();
      next();
      return d;
    });
    expect(decisions.map((d) => d.restart)).toEqual([true, true, true, true, false]);
    expect(decisions.map((d) => d.recent)).toEqual([1, 2, 3, 4, 5]);
    expect(MAX_RESTARTS).toBe(4);
  });

  it('forgets exits older than the window, so a server that crashes now and then keeps being restarted', () => {
    const times = Array.from({ length: 10 }, (_, k) => k * (RESTART_WINDOW_MS / 2 + 1));
    const { policy, next } = policyAt(times);
    for (const _ of times) {
      const d = policy.exited();
      expect(d.restart).toBe(true);
      expect(d.recent).toBeLessThanOrEqual(2);
      next();
    }
  });

  it('says what happens, in the tense of the moment', () => {
    expect(crashMessage({ restart: true, recent: 1 })).toBe('The TrainLens server exited unexpectedly (1 time in the last 3 minutes); restarting it.');
    expect(crashMessage({ restart: true, recent: 2 }, true)).toContain('(2 times in the last 3 minutes); it was restarted.');
    expect(crashMessage({ restart: false, recent: 5 })).toMatch(/5 times in the last 3 minutes; it is not restarted again.*TrainLens: Restart Server/);
  });
});
