/** What a hand-written loop's shape says: the run's optimizer steps, no accumulation, and the sequence length a dataset is built with. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const analyze = (text: string, command?: string) =>
  analyzer.analyze({ uri: 'file:///w/train.py', text, version: 1 }, { gpu: 'L4', gpus: 1, ...(command ? { command } : {}) });

const HEAD = `import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM
from data import PackedDataset

cfg = {"batch_size": 4, "seq_len": 2048, "steps": 20_000}
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", torch_dtype=torch.bfloat16)
loader = DataLoader(PackedDataset("tokens.bin", seq_len=cfg["seq_len"]), batch_size=cfg["batch_size"])
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
`;

describe('the optimizer steps of a run', () => {
  it('while step < N around the loader, the counter beside optimizer.step()', () => {
    const a = analyze(`${HEAD}step = 0
while step < cfg["steps"]:
    for batch in loader:
        model(input_ids=batch, labels=batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        step += 1
        if step >= cfg["steps"]:
            break
`);
    expect(a.job!.total_steps).toBe(20000);
    expect(a.values.total_steps).toMatchObject({ status: 'known' });
    expect(a.values.total_steps!.reason).toContain('step += 1');
  });

  it('counts from where the counter starts, and <= includes the bound', () => {
    const a = analyze(`${HEAD}it = 1\nwhile it <= 500:\n    loss = model(input_ids=x, labels=x).loss\n    loss.backward()\n    optimizer.step()\n    it += 1\n`);
    expect(a.job!.total_steps).toBe(500);
  });

  it('for _ in range(n) whose body holds the step', () => {
    expect(analyze(`${HEAD}for i in range(100, 1100):\n    loss = model(input_ids=x, labels=x).loss\n    loss.backward()\n    optimizer.step()\n`).job!.total_steps).toBe(1000);
  });

  it('an epoch loop, a counter that does not count steps, or a scheduler step say nothing', () => {
    const epochs = analyze(`${HEAD}for epoch in range(3):\n    for batch in loader:\n        model(input_ids=batch, labels=batch).loss.backward()\n        optimizer.step()\n`);
    expect(epochs.job!.total_steps).toBeUndefined();
    const elsewhere = analyze(`${HEAD}n = 0\nwhile n < 10:\n    for batch in loader:\n        model(input_ids=batch, labels=batch).loss.backward()\n        optimizer.step()\n    n += 1\n`);
    expect(elsewhere.job!.total_steps).toBeUndefined();
    const scheduler = analyze(`${HEAD}for i in range(50):\n    scheduler.step()\n`);
    expect(scheduler.job!.total_steps).toBeUndefined();
  });
});

describe('gradient accumulation in a loop', () => {
  it('is 1, known, when the optimizer steps after every backward in the same block', () => {
    const a = analyze(`${HEAD}for batch in loader:\n    with torch.autocast("cuda", dtype=torch.bfloat16):\n        loss = model(input_ids=batch, labels=batch).loss\n    scaler.scale(loss).backward()\n    scaler.step(optimizer)\n    scaler.update()\n`);
    expect(a.values.grad_accum).toMatchObject({ value: 1, status: 'known' });
  });

  it('is only assumed when the step is guarded, missing, or under accelerator.accumulate', () => {
    const guarded = analyze(`${HEAD}for i, batch in enumerate(loader):\n    (model(input_ids=batch, labels=batch).loss / accum).backward()\n    if (i + 1) % accum == 0:\n        optimizer.step()\n`);
    expect(guarded.values.grad_accum).toMatchObject({ value: 1, status: 'assumed' });
    const accelerate = analyze(`${HEAD}for batch in loader:\n    with accelerator.accumulate(model):\n        accelerator.backward(model(input_ids=batch, labels=batch).loss)\n        optimizer.step()\n`);
    expect(accelerate.values.grad_accum).toMatchObject({ status: 'assumed' });
    const engine = analyze(`${HEAD}for batch in loader:\n    engine.backward(engine(batch).loss)\n    engine.step()\n`);
    expect(engine.values.grad_accum).toMatchObject({ status: 'assumed' });
  });
});

describe('sequence length of a hand-built dataset', () => {
  it('a seq_len= keyword on the dataset call, followed through the config dict', () => {
    const a = analyze(HEAD);
    expect(a.values.seq_len).toMatchObject({ value: 2048, status: 'known' });
    expect(a.values.seq_len!.source!.range.start.line).toBe(5); // where 2048 is written, in cfg
  });

  it('an argparse option named like a sequence length: the launch line, else its default, else unknown with the reason', () => {
    const script = (decl: string) => `import argparse
from datasets import load_from_disk
from transformers import AutoModelForCausalLM
parser = argparse.ArgumentParser()
parser.add_argument(${decl})
args = parser.parse_args()
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-3B")
train = load_from_disk(f"data/packed-{args.seq_len}")
`;
    expect(analyze(script('"--seq-len", type=int, default=1024')).values.seq_len).toMatchObject({ value: 1024, status: 'known' });
    expect(analyze(script('"--seq-len", type=int, default=1024'), 'torchrun --nproc_per_node 4 train.py --seq-len 4096').values.seq_len).toMatchObject({ value: 4096, status: 'known' });
    const required = analyze(script('"--seq-len", type=int, required=True')).values.seq_len!;
    expect(required.status).toBe('assumed');
    expect(required.reason).toContain('--seq_len has no default and is set on the command line; 2048 assumed');
  });
});
