/** What the workspace view shows for each file: order, description, detail rows, totals. */
import { describe, expect, it } from 'vitest';
import { describe as describeFile, detailRows, sortSummaries, totals } from '../../client/src/workspaceItems';
import type { FileSummary } from '../../server/src/workspace/summary';

const GiB = 2 ** 30;

function file(name: string, over: Partial<FileSummary>): FileSummary {
  return {
    uri: `file:///w/${name}`, kind: 'script', fit: 'fits', gpu: 'V100-32GB', gpus: 1, judged_by: 'settings',
    total_bytes: 10 * GiB, capacity_bytes: 32 * GiB, model: 'gpt2', detail: 'fits with room to spare',
    position: { line: 0, character: 0 }, errors: 0, warnings: 0, ...over,
  };
}

const files = [
  file('b.py', {}),
  file('ds.json', { kind: 'config', fit: 'unknown', total_bytes: null, model: null, detail: 'no training job found' }),
  file('a.py', { fit: 'oom', total_bytes: 182.7 * GiB, detail: 'needs 182.7 GiB per GPU; V100-32GB has 32.0 GiB', errors: 2 }),
  file('c.py', { fit: 'tight', total_bytes: 30 * GiB, gpu: 'A10G', gpus: 8, judged_by: 'comment', capacity_bytes: 24 * GiB, warnings: 1 }),
  file('a2.py', { fit: 'fits' }),
];

describe('workspace view items', () => {
  it('puts the worst first, then by path', () => {
    expect(sortSummaries(files, (uri) => uri.slice('file:///w/'.length)).map((f) => f.uri.slice(10))).toEqual(['a.py', 'c.py', 'ds.json', 'a2.py', 'b.py']);
  });

  it('describes each file by verdict, memory against capacity, and GPUs', () => {
    expect(describeFile(files[2])).toBe('OOM · 182.7 / 32.0 GiB · 1 × V100-32GB');
    expect(describeFile(files[3])).toBe('tight · 30.0 / 24.0 GiB · 8 × A10G');
    expect(describeFile(files[1])).toBe('unknown · 1 × V100-32GB');
  });

  it('details the verdict, where the GPU settings came from, the model and the problems', () => {
    expect(detailRows(files[3])).toEqual([
      { label: 'Verdict', description: 'fits with room to spare' },
      { label: 'Judged against', description: '8 × A10G (# trainlens: comment)' },
      { label: 'Model', description: 'gpt2' },
      { label: 'Problems', description: '0 errors, 1 warning' },
    ]);
    expect(detailRows(files[1])).toEqual([
      { label: 'No estimate', description: 'no training job found' },
      { label: 'Judged against', description: '1 × V100-32GB (settings)' },
    ]);
  });

  it('totals the view', () => {
    expect(totals(files)).toBe('1 OOM, 1 tight, 2 fit, 1 unknown');
    expect(totals([])).toBe('');
  });

  const shell = file('run.sh', {
    kind: 'shell', fit: 'unknown', total_bytes: null, model: null, detail: 'first message', position: { line: 3, character: 13 },
    findings: [
      { label: 'config not readable: tune cp llama3_1/8B_lora ./8B_lora.yaml', message: 'first message', position: { line: 3, character: 13 } },
      { label: 'config not readable: configs/gone.yaml', message: 'second message', position: { line: 7, character: 40 } },
    ],
  });

  it('a shell script: described by its first finding, one row per finding at its place, counted apart from the fits', () => {
    expect(describeFile(shell)).toBe('config not readable: tune cp llama3_1/8B_lora ./8B_lora.yaml (+1 more)');
    expect(describeFile({ ...shell, findings: shell.findings!.slice(1) })).toBe('config not readable: configs/gone.yaml');
    expect(detailRows(shell)).toEqual([
      { label: 'Line 4', description: 'config not readable: tune cp llama3_1/8B_lora ./8B_lora.yaml', position: { line: 3, character: 13 } },
      { label: 'Line 8', description: 'config not readable: configs/gone.yaml', position: { line: 7, character: 40 } },
    ]);
    expect(totals([...files, shell])).toBe('1 OOM, 1 tight, 2 fit, 1 unknown, 1 shell script');
    expect(totals([shell, shell])).toBe('2 shell scripts');
  });
});
