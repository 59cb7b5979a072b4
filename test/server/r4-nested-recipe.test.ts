/**
 * Mappings nested in a dataclass parser's config file (TRL's `model_init_kwargs:` as a YAML block mapping or a
 * JSON object): a dict field whose entries point at their own lines. Real analyzer, workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const TRL = `from trl import ModelConfig, SFTConfig, SFTTrainer, TrlParser

training_args, model_args = TrlParser((SFTConfig, ModelConfig)).parse_args_and_config()
SFTTrainer(model=model_args.model_name_or_path, args=training_args).train()
`;
const HF_JSON = `import sys
from transformers import HfArgumentParser
from trl import ModelConfig, SFTConfig, SFTTrainer

training_args, model_args = HfArgumentParser((SFTConfig, ModelConfig)).parse_json_file(sys.argv[1])
SFTTrainer(model=model_args.model_name_or_path, args=training_args).train()
`;

describe('nested mappings in a parser config file', () => {
  it('a YAML block mapping under model_init_kwargs sets how the trainer loads the model, each entry at its line', () => {
    const recipe = 'model_name_or_path: Qwen/Qwen2.5-1.5B\nmodel_init_kwargs:\n  torch_dtype: bfloat16\n  attn_implementation: eager\nbf16: true\n';
    const root = writeWorkspace({ 'sft.py': TRL, 'r.yaml': recipe, 'run.sh': 'python sft.py --config r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.values.attention).toMatchObject({ status: 'known', value: 'eager' });
    expect(a.values.attention?.source?.file).toMatch(/r\.yaml$/);
    expect(a.values.attention?.source?.range.start.line).toBe(3);
    expect(a.values.attention?.reason).toContain('model_init_kwargs.attn_implementation in r.yaml');
    expect(a.job?.precision).toBe('bf16');
  });

  it('a JSON object read by parse_json_file works the same, its entries at their own lines', () => {
    const json = '{\n  "model_name_or_path": "Qwen/Qwen2.5-1.5B",\n  "model_init_kwargs": {\n    "attn_implementation": "eager",\n    "torch_dtype": "bfloat16"\n  }\n}\n';
    const root = writeWorkspace({ 'sft.py': HF_JSON, 'a.json': json, 'run.sh': 'python sft.py a.json\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.values.attention).toMatchObject({ status: 'known', value: 'eager' });
    expect(a.values.attention?.source?.range.start.line).toBe(3);
    expect(a.job?.precision).toBe('bf16');
  });

  it('`model_init_kwargs:` with nothing under it is None: the load settings stay library defaults', () => {
    const recipe = 'model_name_or_path: Qwen/Qwen2.5-1.5B\nmodel_init_kwargs:\nbf16: true\n';
    const root = writeWorkspace({ 'sft.py': TRL, 'r.yaml': recipe, 'run.sh': 'python sft.py --config r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.values.attention?.status).toBe('assumed');
    expect(a.job?.precision).toBe('bf16-mixed');
  });

  it('mappings deeper than one level are left out, the plain entries beside them still read', () => {
    const recipe = 'model_name_or_path: Qwen/Qwen2.5-1.5B\nmodel_init_kwargs:\n  attn_implementation: eager\n  rope_scaling:\n    type: linear\n';
    const root = writeWorkspace({ 'sft.py': TRL, 'r.yaml': recipe, 'run.sh': 'python sft.py --config r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.values.attention).toMatchObject({ status: 'known', value: 'eager' });
  });
});

describe("a script's own dict field filled from a recipe mapping", () => {
  it('`LoraConfig(**script_args.peft_config)` takes the entries of a `peft_config:` block, flow lists included', () => {
    const script = `from dataclasses import dataclass, field
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer, TrlParser


@dataclass
class ScriptArguments:
    model_name: str = "Qwen/Qwen2.5-1.5B"
    peft_config: dict = field(default_factory=dict)


script_args, training_args = TrlParser((ScriptArguments, SFTConfig)).parse_args_and_config()
model = AutoModelForCausalLM.from_pretrained(script_args.model_name)
SFTTrainer(model=model, args=training_args, peft_config=LoraConfig(**script_args.peft_config)).train()
`;
    const recipe = 'model_name: Qwen/Qwen2.5-1.5B\npeft_config:\n  r: 4\n  lora_alpha: 8\n  target_modules: ["q_proj", "v_proj"]\n  lora_dropout: 0.0\n';
    const root = writeWorkspace({ 'grpo.py': script, 'r.yaml': recipe, 'run.sh': 'python grpo.py --config r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'grpo.py');
    expect(a.job?.peft).toMatchObject({ method: 'lora', r: 4, alpha: 8, targets: ['q_proj', 'v_proj'], dropout: 0 });
    expect(a.values.peft?.status).toBe('known');
  });
});
