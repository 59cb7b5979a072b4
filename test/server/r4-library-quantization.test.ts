/**
 * `get_quantization_config(model_args)` of TRL and alignment-handbook: the bitsandbytes config built from the
 * parsed model arguments (recipe file, command line, else the dataclass defaults, reported as assumed).
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

const trlScript = (from = 'trl') => `from transformers import AutoModelForCausalLM
from trl import ModelConfig, SFTConfig, SFTTrainer, TrlParser, get_peft_config
from ${from} import get_quantization_config

parser = TrlParser((SFTConfig, ModelConfig))
training_args, model_args = parser.parse_args_and_config()
quantization_config = get_quantization_config(model_args)
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path, quantization_config=quantization_config)
SFTTrainer(model=model, args=training_args, peft_config=get_peft_config(model_args)).train()
`;

const recipe = (lines: string) => `model_name_or_path: meta-llama/Llama-3.1-8B\nuse_peft: true\nbf16: true\n${lines}`;

describe('TRL get_quantization_config(model_args)', () => {
  it('builds 4-bit NF4 from the recipe, the compute dtype from torch_dtype, each value pointing at the recipe', () => {
    const root = writeWorkspace({
      'sft.py': trlScript(),
      'r.yaml': recipe('torch_dtype: bfloat16\nload_in_4bit: true\nbnb_4bit_quant_type: nf4\nuse_bnb_nested_quant: true\n'),
      'run.sh': 'python sft.py --config r.yaml\n',
    });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.quantization).toMatchObject({ method: 'nf4', bits: 4, double_quant: true, compute_dtype: 'bf16' });
    expect(a.values.quantization?.status).toBe('known');
    expect(a.values.quantization?.reason).toContain('TRL get_quantization_config(model_args)');
    expect(a.values.quantization?.reason).toContain('r.yaml');
  });

  it("a quant type left to ModelConfig's default nf4 makes the whole config assumed, with the reason", () => {
    const root = writeWorkspace({ 'sft.py': trlScript(), 'r.yaml': recipe('load_in_4bit: true\n'), 'run.sh': 'python sft.py --config r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.quantization).toMatchObject({ method: 'nf4', double_quant: false, compute_dtype: 'fp32' });
    expect(a.values.quantization?.status).toBe('assumed');
    expect(a.values.quantization?.reason).toContain('ModelConfig default bnb_4bit_quant_type="nf4"');
  });

  it('--load_in_8bit on the command line wins over the recipe', () => {
    const root = writeWorkspace({ 'sft.py': trlScript(), 'r.yaml': recipe('load_in_8bit: false\n'), 'run.sh': 'python sft.py --config r.yaml --load_in_8bit true\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.quantization).toMatchObject({ method: 'int8', bits: 8 });
  });

  it('neither flag set: no quantization', () => {
    const root = writeWorkspace({ 'sft.py': trlScript(), 'r.yaml': recipe('torch_dtype: bfloat16\n'), 'run.sh': 'python sft.py --config r.yaml\n' });
    expect(analyzeFile(analyzer, root, 'sft.py').job?.quantization).toBeUndefined();
  });

  it('dtype "auto" is no compute dtype: the float32 default is assumed with the reason', () => {
    const root = writeWorkspace({ 'sft.py': trlScript(), 'r.yaml': recipe('torch_dtype: auto\nload_in_4bit: true\nbnb_4bit_quant_type: fp4\n'), 'run.sh': 'python sft.py --config r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'sft.py');
    expect(a.job?.quantization).toMatchObject({ method: 'fp4', compute_dtype: 'fp32' });
    expect(a.values.quantization).toMatchObject({ status: 'assumed' });
    expect(a.values.quantization?.reason).toContain('"auto"');
  });

  it("a function of the script's own module of the same name is not read as TRL's", () => {
    const root = writeWorkspace({ 'sft.py': trlScript('helpers'), 'r.yaml': recipe('load_in_4bit: true\n'), 'run.sh': 'python sft.py --config r.yaml\n' });
    expect(analyzeFile(analyzer, root, 'sft.py').job?.quantization).toBeUndefined();
  });
});

describe('alignment-handbook get_quantization_config(model_args)', () => {
  const script = `from alignment import H4ArgumentParser, ModelArguments, SFTConfig, get_quantization_config
from transformers import AutoModelForCausalLM
from trl import SFTTrainer

parser = H4ArgumentParser((ModelArguments, SFTConfig))
model_args, training_args = parser.parse()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path, quantization_config=get_quantization_config(model_args))
SFTTrainer(model=model, args=training_args).train()
`;

  it('computes in float16 when torch_dtype is not set, its ModelArguments defaults assumed', () => {
    const root = writeWorkspace({ 'run_sft.py': script, 'r.yaml': 'model_name_or_path: mistralai/Mistral-7B-v0.1\nload_in_4bit: true\n', 'run.sh': 'python run_sft.py r.yaml\n' });
    const a = analyzeFile(analyzer, root, 'run_sft.py');
    expect(a.job?.quantization).toMatchObject({ method: 'nf4', bits: 4, compute_dtype: 'fp16' });
    expect(a.values.quantization?.reason).toContain('alignment-handbook ModelArguments default');
  });
});
