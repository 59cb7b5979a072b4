/** `trainlens check` over trees, as CI runs it: what it prints, the JSON `fit` field, and the documented exit codes. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTree, runCli } from './helpers';

describe('trainlens check over a tree', () => {
  const root = makeTree({
    'jobs/llama.py': '@example:llama2-7b-full-finetune.py',
    'jobs/gpt2.py': '@example:gpt2-small-from-scratch.py',
    'jobs/lib/util.py': 'def f():\n    return 1\n',
    'old/llama_copy.py': '@example:llama2-7b-full-finetune.py',
    '.trainlensignore': 'old/\n',
  });

  it('reports every job found, ends with a summary, and exits 1 when one does not fit', () => {
    const run = runCli(['check', '.', '--gpu', 'V100-32GB'], root);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('jobs/llama.py: DOES NOT FIT on V100-32GB');
    expect(run.stdout).toContain('jobs/gpt2.py: fits on RTX-4090'); // its own # trainlens: comment
    expect(run.stdout).not.toContain('llama_copy');
    expect(run.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      'Checked 3 files: 1 out of memory, 1 fitting, 1 without an estimate.',
      'No training job found in jobs/lib/util.py.',
    ]);
  });

  it('exits 0 when every job found fits, and gives each JSON report its fit', () => {
    const run = runCli(['check', 'jobs/gpt2.py', 'jobs/lib', '--format', 'json'], root);
    expect(run.status).toBe(0);
    const reports: { file: string; fit: string; job: unknown }[] = JSON.parse(run.stdout).results;
    expect(reports.map((r) => [r.file.split('/').slice(-2).join('/'), r.fit])).toEqual([['jobs/gpt2.py', 'fits'], ['lib/util.py', 'unknown']]);
    const llama = JSON.parse(runCli(['check', 'jobs/llama.py', '--gpu', 'V100-32GB', '--format', 'json'], root).stdout).results[0];
    expect(llama).toMatchObject({ fit: 'oom', estimate: { fits: false } });
  });

  it('when no single fix fits, names the planner\'s best fitting combination, the first fitting plan of `plan --json`', () => {
    const run = runCli(['check', 'jobs/llama.py', '--gpu', 'T4'], root);
    expect(run.stdout).toContain('No single change fits; the fastest combination that does');
    const plans: { title: string; fits: boolean }[] = JSON.parse(runCli(['plan', 'jobs/llama.py', '--gpu', 'T4', '--json'], root).stdout).plans;
    const best = plans.find((p) => p.fits)!;
    expect(run.stdout).toContain(`  ${best.title}: `);
  });

  it('exits 2 for usage errors and for paths that name nothing', () => {
    expect(runCli(['check', '.', '--format', 'xml'], root)).toMatchObject({ status: 2, stderr: expect.stringContaining('--format must be text, json or sarif') });
    expect(runCli(['explain', 'jobs/llama.py', '--format', 'sarif'], root)).toMatchObject({ status: 2, stderr: expect.stringContaining('applies to "trainlens check" only') });
    expect(runCli(['check'], root)).toMatchObject({ status: 2, stderr: expect.stringContaining('needs at least one PATH') });
    const glob = runCli(['check', 'nowhere/**/*.py'], root);
    expect(glob).toMatchObject({ status: 2, stderr: 'trainlens: nowhere/**/*.py: no training script or config matches\n' });
  });

  it('says what a folder or glob held even when it held no training job', () => {
    const tree = makeTree({ 'configs/ds.json': '{"zero_optimization": {"stage": 1}}\n', 'empty/README.md': '# nothing\n' });
    expect(runCli(['check', 'configs/*.json'], tree)).toMatchObject({
      status: 0, stdout: 'Checked 1 file: 1 without an estimate.\nNo training job found in configs/ds.json.\n',
    });
    expect(runCli(['check', 'empty'], tree)).toMatchObject({ status: 0, stdout: 'No training scripts or configs found.\n' });
    expect(runCli(['check', ''], tree)).toMatchObject({ status: 2, stderr: expect.stringContaining('an empty argument where a path was expected') });
  });

  it('skips an unreadable file found in a folder with a note, but fails on the same file named', () => {
    const tree = makeTree({ 'a/gpt2.py': '@example:gpt2-small-from-scratch.py' });
    writeFileSync(join(tree, 'a', 'blob.py'), Buffer.from([0x00, 0x01, 0x02]));
    const walked = runCli(['check', 'a'], tree);
    expect(walked).toMatchObject({ status: 0, stderr: 'trainlens: skipped a/blob.py: binary file\n' });
    const named = runCli(['check', 'a/blob.py', 'a/gpt2.py'], tree);
    expect(named).toMatchObject({ status: 2, stderr: 'trainlens: cannot analyse a/blob.py: binary file\n' });
    expect(named.stdout).toContain('a/gpt2.py: fits');
  });
});
