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
