/**
 * `torch.cuda.device_count()` is the GPUs of the machine the script runs on: TrainLens takes it from
 * the GPU count setting (or a `# trainlens: gpus=` comment) and reports what it derives as assumed.
 * `mp.spawn(main, args=(...))` binds main's parameters: the process index, then the args tuple.
 * Real analyzer, workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const SPAWNED = (pragma = '') => `${pragma}import torch
import torch.multiprocessing as mp
from torch.utils.data import DataLoader
from transformers import GPT2LMHeadModel

GLOBAL_BATCH = 64


def main(rank, world_size, block_size):
    model = GPT2LMHeadModel.from_pretrained("gpt2").to(rank)
    per_rank_batch = GLOBAL_BATCH // world_size
    data = tokenizer(texts, max_length=block_size, truncation=True)
    loader = DataLoader(data, batch_size=per_rank_batch)
    optimizer = torch.optim.AdamW(model.parameters())
    for x in loader:
        model(input_ids=x, labels=x).loss.backward()


if __name__ == "__main__":
    world_size = torch.cuda.device_count()
    mp.spawn(main, args=(world_size, 512), nprocs=world_size, join=True)
`;

describe('torch.cuda.device_count() under mp.spawn', () => {
  it('takes the GPU count setting, and what it derives is assumed with that reason', () => {
    const root = writeWorkspace({ 'ddp.py': SPAWNED() });
    const a = analyzeFile(analyzer, root, 'ddp.py', { gpus: 2 });
    expect(a.job?.micro_batch).toBe(32);
    expect(a.values.micro_batch).toMatchObject({ status: 'assumed' });
    const reason = a.values.micro_batch!.reason!;
    expect(reason).toContain('torch.cuda.device_count(): the GPUs on the machine; from the trainlens.gpuCount setting');
    expect(reason).toContain('`world_size` = world_size passed by mp.spawn(main, ...) at line 21');
    expect(reason).toContain('GLOBAL_BATCH // world_size = 32');
    // An argument spawn passes as a literal is read as any other value: known.
    expect(a.job?.seq_len).toBe(512);
  });

  it('follows the setting: 8 GPUs give 8 per rank', () => {
    const root = writeWorkspace({ 'ddp.py': SPAWNED() });
    expect(analyzeFile(analyzer, root, 'ddp.py', { gpus: 8 }).job?.micro_batch).toBe(8);
  });

  it('a `# trainlens: gpus=` comment is named as the source', () => {
    const root = writeWorkspace({ 'ddp.py': SPAWNED('# trainlens: gpus=4\n') });
    const a = analyzeFile(analyzer, root, 'ddp.py', { gpus: 1 });
    expect(a.job?.micro_batch).toBe(16);
    expect(a.values.micro_batch).toMatchObject({ status: 'assumed', reason: expect.stringContaining('from the # trainlens: gpus= comment') });
  });

  it('the rank (parameter 0) is the process index, never a value', () => {
    const root = writeWorkspace({ 'ddp.py': SPAWNED().replace('batch_size=per_rank_batch', 'batch_size=rank') });
    const a = analyzeFile(analyzer, root, 'ddp.py', { gpus: 2 });
    expect(a.values.micro_batch?.status).not.toBe('known');
    expect(a.values.micro_batch?.reason).toContain('`rank` is the process index that mp.spawn(main, ...) at line 21 passes');
  });
});
