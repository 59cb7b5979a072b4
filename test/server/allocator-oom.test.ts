/**
 * A job whose components add up to less than the GPU but whose step the caching-allocator timeline cannot
 * place (fragmentation, step temporaries): the diagnostic and the CLI say why it does not fit instead of
 * printing a total below capacity next to "does not fit".
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { runCli } from '../cli/helpers';

const CASE = join(__dirname, '..', 'fixtures', 'scripts', '15-loop-amp-gradscaler-sgd');
const ENTRY = JSON.parse(readFileSync(join(CASE, 'expected.json'), 'utf8')).entry as string;
/** Found by searching sequence lengths on this case: its sum is 23.3 GiB on a 24 GiB A10G, and the timeline runs out. */
const PRAGMA = '# trainlens: seq_len=128 gpu=A10G\n';

let analyzer: Analyzer;
let root: string;
beforeAll(async () => {
  analyzer = await createAnalyzer();
  root = mkdtempSync(join(tmpdir(), 'trainlens-oom-'));
  cpSync(CASE, root, { recursive: true });
  writeFileSync(join(root, ENTRY), PRAGMA + readFileSync(join(CASE, ENTRY), 'utf8'));
});

describe('out of memory in the step timeline with a component sum within capacity', () => {
  it('TL001 names the phase where the allocator runs out', () => {
    const a = analyzer.analyze({ uri: pathToFileURL(join(root, ENTRY)).href, text: readFileSync(join(root, ENTRY), 'utf8'), version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    const e = a.estimate!;
    expect(e.fits).toBe(false);
    expect(e.per_gpu.total).toBeLessThanOrEqual(e.capacity_bytes);
    const oom = a.findings.find((f) => f.code === 'TL001')!;
    expect(oom.message).toContain(`within A10G's 24.0 GiB, but the caching allocator runs out of memory at ${e.timeline!.oom_at}`);
  });

  it('the CLI says the same of each fix whose total is within capacity but still does not fit', () => {
    // nanoGPT on a T4: ZeRO stage 2 brings the sum just under 16 GiB, and the timeline still runs out
    const nano = mkdtempSync(join(tmpdir(), 'trainlens-oom-'));
    cpSync(join(CASE, '..', '14-nanogpt-configurator'), nano, { recursive: true });
    const json = JSON.parse(runCli(['check', 'train.py', '--gpu', 'T4', '--format', 'json'], nano).stdout).results[0];
    const text = runCli(['check', 'train.py', '--gpu', 'T4'], nano).stdout;
    type JsonFix = { title: string; total_after_bytes: number; fits_after: boolean };
    const capacity: number = json.estimate.capacity_bytes;
    const within = (json.fixes as JsonFix[]).filter((f) => !f.fits_after && f.total_after_bytes <= capacity);
    expect(within.length).toBeGreaterThan(0);
    for (const fix of within) expect(text).toMatch(new RegExp(`${escape(fix.title)} \\(still does not fit: the caching allocator runs out of memory at \\S+\\)`));
    for (const fix of (json.fixes as JsonFix[]).filter((f) => !f.fits_after && f.total_after_bytes > capacity)) {
      expect(text).toContain(`${fix.title} (still does not fit)`);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
