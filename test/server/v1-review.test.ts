/**
 * Review mends in the script reading (V1): each test fails without its fix. Real analyzer, workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { decodeEscapes } from '../../server/src/python/string-methods';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const TRL_SCRIPT = `from transformers import AutoModelForCausalLM
from trl import ModelConfig, ScriptArguments, SFTConfig, SFTTrainer, TrlParser, get_peft_config

parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig))
script_args, training_args, model_args = parser.parse_args_and_config()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
SFTTrainer(model=model, args=training_args, peft_config=get_peft_config(model_args)).train()
`;

describe("TRL get_peft_config with a field the launch leaves unreadable", () => {
  it('is assumed, with the field named, not known with a stand-in rank', () => {
    const root = writeWorkspace({
      'sft.py': TRL_SCRIPT,
      'recipe.yaml': 'model_name_or_path: gpt2\nuse_peft: true\n',
      'train.sh': 'RANK=$1\npython sft.py --config recipe.yaml --lora_r "$RANK"\n',
    });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.peft).toMatchObject({ method: 'lora' });
    expect(a.values.peft).toMatchObject({ status: 'assumed' });
    expect(a.values.peft!.reason).toContain('lora_r:');
  });

  it('with every field read, stays known', () => {
    const root = writeWorkspace({
      'sft.py': TRL_SCRIPT,
      'recipe.yaml': 'model_name_or_path: gpt2\nuse_peft: true\n',
      'train.sh': 'python sft.py --config recipe.yaml --lora_r 32\n',
    });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.peft).toMatchObject({ method: 'lora', r: 32 });
    expect(a.values.peft).toMatchObject({ status: 'known' });
  });
});

describe('amp_style after the accelerate config sets the precision the script only assumed', () => {
  it('follows the precision: known, from the config, not the assumed TRL default', () => {
    const root = writeWorkspace({
      'sft.py': `from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("gpt2")
SFTTrainer(model=model, args=SFTConfig(output_dir="out")).train()
`,
      'acc.yaml': 'compute_environment: LOCAL_MACHINE\nmixed_precision: bf16\nnum_processes: 1\n',
      'run.sh': 'accelerate launch --config_file acc.yaml sft.py\n',
    });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.values.precision).toMatchObject({ value: 'bf16-mixed', status: 'known' });
    expect(a.values.amp_style).toMatchObject({ value: 'autocast', status: 'known', source: a.values.precision!.source });
    expect(a.values.amp_style!.reason).not.toContain("TRL's default");
  });
});

describe('a BitsAndBytesConfig whose load_in_4bit is not read', () => {
  it('leaves the weights unquantized as an assumption, with the reason, not silently', () => {
    const root = writeWorkspace({
      'train.py': `import json
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

cfg = json.load(open("cfg.json"))
bnb = BitsAndBytesConfig(load_in_4bit=cfg["four_bit"], bnb_4bit_quant_type="nf4")
model = AutoModelForCausalLM.from_pretrained("gpt2", quantization_config=bnb)
`,
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.quantization).toBeUndefined();
    expect(a.values.quantization).toMatchObject({ value: null, status: 'assumed' });
    expect(a.values.quantization!.reason).toContain('load_in_4bit:');
    expect(a.assumptions.some((l) => l.startsWith('quantization none assumed: load_in_4bit:'))).toBe(true);
  });
});

describe('string literal escapes', () => {
  it('decodes octal escapes of one to three digits, as Python does', () => {
    expect(decodeEscapes('a\\012b')).toBe('a\nb');
    expect(decodeEscapes('\\0')).toBe('\0');
    expect(decodeEscapes('\\1018')).toBe('A8');
    expect(decodeEscapes('\\x41\\q')).toBe('A\\q');
  });
});

describe('a parameter list with comments between the parameters', () => {
  it('matches the call\'s positional arguments by position, the comments not counted', () => {
    const root = writeWorkspace({
      'train.py': `import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM


def train(
    data,  # the tokenized rows
    batch_size=8,  # per GPU
):
    loader = DataLoader(data, batch_size=batch_size)
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    for x in loader:
        model(input_ids=x, labels=x).loss.backward()


train(["a"], 24)
`,
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.micro_batch).toBe(24);
    expect(a.values.micro_batch!.reason).toContain('passed by train(...) at line 16');
  });
});

describe('a \\U escape past the last code point (typed mid-edit; Python rejects it)', () => {
  it('stays as written instead of throwing out of the analysis', () => {
    expect(decodeEscapes('\\UFFFFFFFF')).toBe('\\UFFFFFFFF');
    const root = writeWorkspace({
      'train.py': `from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
model = AutoModelForCausalLM.from_pretrained("gpt2")
Trainer(model=model, args=TrainingArguments(output_dir="out", optim="\\UFFFFFFFF")).train()
`,
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.model).toBeDefined();
  });
});
