/**
 * The deepspeed launcher and `python -m torch.distributed.launch` append `--local_rank=<rank>` to the
 * script's arguments: an argparse `--local_rank` (required or defaulting to -1) then holds the first
 * process's rank, never "unknown" and never its single-process default. Real analyzer, workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { parseLaunchCommand } from '../../server/src/launch/command';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

/** DeepSpeedExamples-style: the global batch split over the processes, the world size read only when distributed. */
const TRAIN = (localRank: string) => `import argparse
import os
import torch
from transformers import AutoModelForCausalLM

parser = argparse.ArgumentParser()
parser.add_argument("--global_batch_size", type=int, default=64)
${localRank}
args = parser.parse_args()

if args.local_rank == -1:
    world_size = 1
else:
    torch.cuda.set_device(args.local_rank)
    world_size = int(os.environ["WORLD_SIZE"])
micro_batch = args.global_batch_size // world_size

model = AutoModelForCausalLM.from_pretrained("gpt2")
loader = torch.utils.data.DataLoader(range(100), batch_size=micro_batch)
optimizer = torch.optim.AdamW(model.parameters())
`;

describe('--local_rank added by the launcher', () => {
  it('parses which launchers add it', () => {
    expect(parseLaunchCommand('deepspeed --num_gpus 4 train.py')?.passesLocalRank).toBe(true);
    expect(parseLaunchCommand('deepspeed --no_local_rank --num_gpus 4 train.py')?.passesLocalRank).toBeUndefined();
    expect(parseLaunchCommand('python -m torch.distributed.launch --nproc_per_node 2 train.py')?.passesLocalRank).toBe(true);
    expect(parseLaunchCommand('python -m torch.distributed.launch --use-env --nproc_per_node 2 train.py')).toMatchObject({ gpusPerNode: 2, script: 'train.py' });
    expect(parseLaunchCommand('python -m torch.distributed.launch --use-env --nproc_per_node 2 train.py')?.passesLocalRank).toBeUndefined();
    expect(parseLaunchCommand('torchrun --nproc_per_node 2 train.py')?.passesLocalRank).toBeUndefined();
  });

  it('a required --local_rank under deepspeed: rank 0, the distributed branch, the batch split over 4', () => {
    const root = writeWorkspace({
      'train.py': TRAIN('parser.add_argument("--local_rank", type=int, required=True, help="set by the launcher")'),
      'run.sh': 'deepspeed --num_gpus 4 train.py --global_batch_size 64\n',
    });
    const a = analyzeFile(analyzer, root, 'train.py', { gpus: 4 });
    expect(a.job?.micro_batch).toBe(16);
    expect(a.values.micro_batch).toMatchObject({ status: 'known' });
    expect(a.values.micro_batch!.reason).toContain('WORLD_SIZE=4 set by deepspeed (run.sh line 1)');
  });

  it('--local_rank defaulting to -1: the launcher value wins over the single-process default', () => {
    const root = writeWorkspace({
      'train.py': TRAIN('parser.add_argument("--local_rank", type=int, default=-1)'),
      'run.sh': 'python -m torch.distributed.launch --nproc_per_node 2 train.py\n',
    });
    expect(analyzeFile(analyzer, root, 'train.py', { gpus: 2 }).job?.micro_batch).toBe(32);
  });

  it('without a launcher that adds it: the default (-1) for python, and a required one stays unknown', () => {
    const plain = writeWorkspace({ 'train.py': TRAIN('parser.add_argument("--local_rank", type=int, default=-1)'), 'run.sh': 'python train.py\n' });
    expect(analyzeFile(analyzer, plain, 'train.py').job?.micro_batch).toBe(64);
    const noRank = writeWorkspace({
      'train.py': TRAIN('parser.add_argument("--local_rank", type=int, required=True)'),
      'run.sh': 'deepspeed --no_local_rank --num_gpus 4 train.py\n',
    });
    const a = analyzeFile(analyzer, noRank, 'train.py', { gpus: 4 });
    expect(a.values.micro_batch?.status).not.toBe('known');
    expect(a.values.micro_batch?.reason).toContain('--local_rank has no default and is set on the command line');
  });

  it('a --local_rank written on the launch line is kept', () => {
    const root = writeWorkspace({
      'train.py': TRAIN('parser.add_argument("--local_rank", type=int, default=0)'),
      'run.sh': 'deepspeed --num_gpus 4 train.py --local_rank=-1\n',
    });
    expect(analyzeFile(analyzer, root, 'train.py', { gpus: 4 }).job?.micro_batch).toBe(64);
  });
});
