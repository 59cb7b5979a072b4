/** A model TrainLens cannot name (a required --model): no job, yet the settings the script does show are reported. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const SCRIPT = `import argparse
import bitsandbytes as bnb
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
args = parser.parse_args()

model = AutoModelForCausalLM.from_pretrained(args.model)
model.gradient_checkpointing_enable()
model = get_peft_model(model, LoraConfig(r=32, lora_alpha=64, target_modules="all-linear"))
optimizer = bnb.optim.AdamW8bit(model.parameters(), lr=1e-4)
`;

describe('settings of a script whose model is unknown', () => {
  it('are reported with their provenance while the job waits for the model', () => {
    const a = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT, version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    expect(a.job).toBeNull();
    expect(a.values.model).toMatchObject({ status: 'unknown' });
    expect(a.values.grad_checkpointing).toMatchObject({ value: true, status: 'known' });
    expect(a.values.optimizer).toMatchObject({ value: 'adamw_8bit', status: 'known' });
    expect(a.values.peft).toMatchObject({ value: { method: 'lora', r: 32, alpha: 64, targets: ['all-linear'] }, status: 'known' });
    expect(a.values.attention).toMatchObject({ value: 'sdpa', status: 'assumed' });
  });
});
