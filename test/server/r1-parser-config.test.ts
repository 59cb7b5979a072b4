/**
 * Dataclass parsers that read a file: `parse_json_file(sys.argv[1])` when the launch passes one JSON
 * file (transformers example scripts), TrlParser's `--config recipe.yaml` under the command line
 * (TRL's scripts), TRL's ModelConfig fields and get_peft_config(), and defaults that a script's own
 * TrainingArguments subclass declares. Real analyzer, workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const JSON_SCRIPT = `import sys
from dataclasses import dataclass, field
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default=None)


parser = HfArgumentParser((ModelArguments, TrainingArguments))
if len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
    model_args, training_args = parser.parse_json_file(json_file=sys.argv[1])
else:
    model_args, training_args = parser.parse_args_into_dataclasses()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
Trainer(model=model, args=training_args).train()
`;
const ARGS_JSON = '{\n  "model_name_or_path": "gpt2-medium",\n  "per_device_train_batch_size": 6,\n  "fp16": true\n}\n';

describe('parse_json_file(sys.argv[1])', () => {
  it('reads the JSON file the launch passes, each value pointing at its line there', () => {
    const root = writeWorkspace({ 'run.py': JSON_SCRIPT, 'args.json': ARGS_JSON, 'run.sh': 'python run.py args.json\n' });
    const a = analyzeFile(analyzer, root, 'run.py');
    expect(a.values.model).toMatchObject({ status: 'known', value: 'gpt2-medium' });
    expect(a.job?.micro_batch).toBe(6);
    expect(a.values.micro_batch?.source?.file).toMatch(/args\.json$/);
    expect(a.values.micro_batch?.source?.range.start.line).toBe(2);
    expect(a.job?.precision).toBe('fp16-mixed');
  });

  it('a command line of flags takes the other branch: the file is not read', () => {
    const root = writeWorkspace({ 'run.py': JSON_SCRIPT, 'args.json': ARGS_JSON, 'run.sh': 'python run.py --model_name_or_path gpt2 --per_device_train_batch_size 2\n' });
    const a = analyzeFile(analyzer, root, 'run.py');
    expect(a.job?.micro_batch).toBe(2);
    expect(a.values.model).toMatchObject({ value: 'gpt2' });
  });

  it('a file that is not in the workspace leaves the fields unread, with the reason', () => {
    const root = writeWorkspace({ 'run.py': JSON_SCRIPT, 'run.sh': 'python run.py missing.json\n' });
    const a = analyzeFile(analyzer, root, 'run.py');
    expect(a.values.micro_batch).toMatchObject({ status: 'assumed' });
    expect(a.values.micro_batch!.reason).toContain('config file missing.json');
  });
});

const TRL_SCRIPT = `import torch
from transformers import AutoModelForCausalLM
from trl import ModelConfig, ScriptArguments, SFTConfig, SFTTrainer, TrlParser, get_peft_config

parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig))
script_args, training_args, model_args = parser.parse_args_and_config()
dtype = model_args.torch_dtype if model_args.torch_dtype in ["auto", None] else getattr(torch, model_args.torch_dtype)
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path, torch_dtype=dtype)
SFTTrainer(model=model, args=training_args, peft_config=get_peft_config(model_args)).train()
`;
const RECIPE = `model_name_or_path: Qwen/Qwen2.5-1.5B
torch_dtype: bfloat16
use_peft: true
lora_r: 64
lora_target_modules: [q_proj, v_proj, o_proj]
per_device_train_batch_size: 2
max_length: 4096
`;

describe('TrlParser --config', () => {
  it('reads the recipe under the command line, and get_peft_config from ModelConfig fields (dropout: ModelConfig default)', () => {
    const root = writeWorkspace({ 'sft.py': TRL_SCRIPT, 'recipe.yaml': RECIPE, 'train.sh': 'python sft.py --config recipe.yaml --max_length 1024\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.values.model).toMatchObject({ status: 'known', value: 'Qwen/Qwen2.5-1.5B' });
    expect(a.job?.micro_batch).toBe(2);
    expect(a.job?.seq_len).toBe(1024);
    expect(a.job?.precision).toBe('bf16');
    expect(a.job?.peft).toEqual({ method: 'lora', r: 64, alpha: 32, targets: ['q_proj', 'v_proj', 'o_proj'], dropout: 0.05 });
    expect(a.values.peft).toMatchObject({ status: 'known' });
  });

  it('without use_peft, ModelConfig default use_peft=False: full fine-tuning, assumed', () => {
    const root = writeWorkspace({ 'sft.py': TRL_SCRIPT, 'recipe.yaml': RECIPE.replace('use_peft: true\n', ''), 'train.sh': 'python sft.py --config recipe.yaml\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.peft).toBeNull();
    expect(a.values.peft).toMatchObject({ status: 'assumed' });
    expect(a.values.peft!.reason).toContain('TRL ModelConfig default use_peft=false');
  });
});

describe("a script's own TrainingArguments subclass", () => {
  it('its field defaults replace the library defaults, as known values', () => {
    const root = writeWorkspace({
      'train.py': `from dataclasses import dataclass, field
import transformers
from transformers import Trainer


@dataclass
class TrainingArguments(transformers.TrainingArguments):
    optim: str = field(default="adafactor")
    gradient_checkpointing: bool = field(default=True)


parser = transformers.HfArgumentParser((TrainingArguments,))
(training_args,) = parser.parse_args_into_dataclasses()
model = transformers.AutoModelForCausalLM.from_pretrained("gpt2")
Trainer(model=model, args=training_args).train()
`,
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.optimizer).toBe('adafactor');
    expect(a.values.optimizer).toMatchObject({ status: 'known' });
    expect(a.job?.grad_checkpointing).toBe(true);
  });
});
