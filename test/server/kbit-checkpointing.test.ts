/** prepare_model_for_kbit_training(use_gradient_checkpointing=...): PEFT's default turns checkpointing on; a flag taken from the training arguments follows them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const analyze = (text: string, command?: string) =>
  analyzer.analyze({ uri: 'file:///w/qlora.py', text, version: 1 }, { gpu: 'A10G', gpus: 1, ...(command ? { command } : {}) });

const script = (flag: string) => `from peft import prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, HfArgumentParser, TrainingArguments

parser = HfArgumentParser(TrainingArguments)
(training_args,) = parser.parse_args_into_dataclasses()
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", quantization_config=BitsAndBytesConfig(load_in_4bit=True))
model = prepare_model_for_kbit_training(model${flag})
`;

describe('gradient checkpointing through prepare_model_for_kbit_training', () => {
  it('is on by PEFT default when the call does not say', () => {
    expect(analyze(script('')).values.grad_checkpointing).toMatchObject({ value: true, status: 'known' });
  });

  it('follows the training arguments when the flag is theirs: default off, on from the command line', () => {
    const flag = ', use_gradient_checkpointing=training_args.gradient_checkpointing';
    expect(analyze(script(flag)).values.grad_checkpointing).toMatchObject({ value: false, status: 'assumed' });
    expect(analyze(script(flag), 'python qlora.py --output_dir o --gradient_checkpointing').values.grad_checkpointing).toMatchObject({ value: true, status: 'known' });
  });

  it('a literal False turns it off; a flag TrainLens cannot read is only assumed', () => {
    expect(analyze(script(', use_gradient_checkpointing=False')).job!.grad_checkpointing).toBe(false);
    const open = analyze(script(', use_gradient_checkpointing=cfg.ckpt')).values.grad_checkpointing!;
    expect(open).toMatchObject({ value: true, status: 'assumed' });
    expect(open.reason).toContain('cfg.ckpt');
  });
});
