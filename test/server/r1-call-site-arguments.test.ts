/**
 * A function's parameters take what the file's calls of it pass (accelerate's example scripts hand a
 * hyperparameter dict from main() to training_function()); calls that disagree, or pass through
 * *args/**kwargs, leave the value unread with that reason. `x in [...]` is evaluated (the
 * `torch_dtype in ["auto", None]` idiom). Real analyzer, workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const script = (calls: string) => `import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM


def loaders(data, batch_size, max_length=256):
    enc = tokenizer(data, truncation=True, max_length=max_length)
    return DataLoader(enc, batch_size=batch_size)


def training_function(config, data):
    batch_size = int(config["batch_size"])
    loader = loaders(data, batch_size, max_length=config["seq"])
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    optimizer = torch.optim.AdamW(model.parameters())
    for x in loader:
        model(input_ids=x, labels=x).loss.backward()


def main():
    config = {"batch_size": 12, "seq": 384}
${calls}


main()
`;

describe('parameters bound by the calls of their function', () => {
  it('follows a dict through two calls to the DataLoader and the tokenizer', () => {
    const root = writeWorkspace({ 'train.py': script('    training_function(config, ["a"])') });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.micro_batch).toBe(12);
    expect(a.values.micro_batch).toMatchObject({ status: 'known' });
    expect(a.values.micro_batch!.reason).toContain('`config` = config passed by training_function(...) at line 22');
    expect(a.job?.seq_len).toBe(384);
  });

  it('calls that pass different values leave the parameter unread, with the reason', () => {
    const root = writeWorkspace({ 'train.py': script('    training_function(config, ["a"])\n    training_function({"batch_size": 2, "seq": 384}, ["b"])') });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.values.micro_batch).toMatchObject({ status: 'assumed' });
    expect(a.values.micro_batch!.reason).toContain('training_function() is called with different values of `config`');
  });

  it('a call through **kwargs is not matched to a parameter', () => {
    const root = writeWorkspace({ 'train.py': script('    training_function(**{"config": config, "data": []})') });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.values.micro_batch).toMatchObject({ status: 'assumed' });
    expect(a.values.micro_batch!.reason).toContain('through *args/**kwargs');
  });

  it('a default is what a call that leaves the parameter out passes', () => {
    const root = writeWorkspace({ 'train.py': script('    training_function(config, ["a"])').replace('max_length=config["seq"]', '') });
    expect(analyzeFile(analyzer, root, 'train.py').job?.seq_len).toBe(256);
  });
});

describe('membership tests', () => {
  it('reads `s in [...]` so that a dtype given as a string reaches from_pretrained', () => {
    const root = writeWorkspace({
      'train.py': `import torch
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

dtype_name = "bfloat16"
torch_dtype = dtype_name if dtype_name in ["auto", None] else getattr(torch, dtype_name)
model = AutoModelForCausalLM.from_pretrained("gpt2", torch_dtype=torch_dtype)
Trainer(model=model, args=TrainingArguments(output_dir="o")).train()
`,
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.precision).toBe('bf16');
    expect(a.values.precision).toMatchObject({ status: 'known' });
  });
});
