/** Command-line parsing: options, and messages that say what to type. */
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../server/src/cli/args';

describe('trainlens arguments', () => {
  it('--command takes a whole launch command', () => {
    const o = parseArgs(['explain', 'train.py', '--command', 'torchrun --nproc_per_node 4 train.py --per_device_train_batch_size 2']);
    expect(o.launch).toBe('torchrun --nproc_per_node 4 train.py --per_device_train_batch_size 2');
  });

  it('rejects a --command that names no script, an unknown GPU and a bad count', () => {
    expect(() => parseArgs(['explain', 'train.py', '--command', 'torchrun --nproc_per_node 4'])).toThrow(/needs a whole launch command/);
    expect(() => parseArgs(['check', 'train.py', '--gpu', 'B300'])).toThrow(UsageError);
    expect(() => parseArgs(['check', 'train.py', '--gpus', '0'])).toThrow(/whole number/);
  });
});

describe('the quick start', () => {
  it('check on the bundled Llama-2 example: the job, the breakdown, the verdict, the fixes and a combination that fits', async () => {
    const { runCli } = await import('./helpers');
    const { ROOT } = await import('../lsp/helpers/build');
    const run = runCli(['check', 'examples/llama2-7b-full-finetune.py', '--gpu', 'V100-32GB'], ROOT);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/DOES NOT FIT on V100-32GB: \d+\.\d GiB of 32\.0 GiB per GPU/);
    for (const part of ['Job:', 'Memory per GPU:', 'weights', 'optimizer states', 'Fixes:', 'Enable gradient checkpointing']) expect(run.stdout).toContain(part);
    const best = /the fastest combination that does[^\n]*\n  (.+): (\d+\.\d) GiB per GPU/.exec(run.stdout);
    expect(best, run.stdout).not.toBeNull();
    expect(Number(best![2])).toBeLessThanOrEqual(32);
  });
});
