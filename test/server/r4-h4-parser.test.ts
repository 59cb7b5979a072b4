/**
 * alignment-handbook's `H4ArgumentParser(...).parse()`: the recipe YAML named as the first argument, `--key=value`
 * words after it overriding its keys, and the plain command line when no recipe is named. Real analyzer,
 * workspaces on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const SCRIPT = `from alignment import DataArguments, H4ArgumentParser, ModelArguments, SFTConfig
from transformers import AutoModelForCausalLM
from trl import SFTTrainer

parser = H4ArgumentParser((ModelArguments, DataArguments, SFTConfig))
model_args, data_args, training_args = parser.parse()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
SFTTrainer(model=model, args=training_args).train()
`;
const RECIPE = 'model_name_or_path: Qwen/Qwen2.5-1.5B\nper_device_train_batch_size: 8\ngradient_accumulation_steps: 4\nmax_seq_length: 2048\n';

describe('H4ArgumentParser.parse()', () => {
  it('reads the recipe named first, each value pointing at its line there', () => {
    const root = writeWorkspace({ 'run_sft.py': SCRIPT, 'recipes/sft.yaml': RECIPE, 'run.sh': 'accelerate launch --num_processes 2 run_sft.py recipes/sft.yaml\n' });
    const a = analyzeFile(analyzer, root, 'run_sft.py');
    expect(a.values.model).toMatchObject({ status: 'known', value: 'Qwen/Qwen2.5-1.5B' });
    expect(a.job?.micro_batch).toBe(8);
    expect(a.values.micro_batch?.source?.file).toMatch(/recipes\/sft\.yaml$/);
    expect(a.values.micro_batch?.source?.range.start.line).toBe(1);
    expect(a.job?.grad_accum).toBe(4);
  });

  it('--key=value words after the recipe win over it', () => {
    const root = writeWorkspace({ 'run_sft.py': SCRIPT, 'recipes/sft.yaml': RECIPE, 'run.sh': 'python run_sft.py recipes/sft.yaml --per_device_train_batch_size=2\n' });
    const a = analyzeFile(analyzer, root, 'run_sft.py');
    expect(a.job?.micro_batch).toBe(2);
    expect(a.values.micro_batch?.source?.file).toMatch(/run\.sh$/);
    expect(a.job?.grad_accum).toBe(4);
  });

  it('an override written `--key value` stops the real parser: the recipe is not trusted, with the reason', () => {
    const root = writeWorkspace({ 'run_sft.py': SCRIPT, 'recipes/sft.yaml': RECIPE, 'run.sh': 'python run_sft.py recipes/sft.yaml --per_device_train_batch_size 2\n' });
    const a = analyzeFile(analyzer, root, 'run_sft.py');
    expect(a.values.grad_accum?.status).not.toBe('known');
    expect(a.values.grad_accum?.reason).toContain('--key=value');
  });

  it('no recipe first: the command line alone, as HfArgumentParser reads it', () => {
    const root = writeWorkspace({ 'run_sft.py': SCRIPT, 'recipes/sft.yaml': RECIPE, 'run.sh': 'python run_sft.py --model_name_or_path gpt2 --per_device_train_batch_size 3\n' });
    const a = analyzeFile(analyzer, root, 'run_sft.py');
    expect(a.job?.micro_batch).toBe(3);
    expect(a.values.model).toMatchObject({ value: 'gpt2' });
    expect(a.values.grad_accum?.status).toBe('assumed');
  });

  it('a .yml recipe is not taken by the parser (it tests for ".yaml")', () => {
    const root = writeWorkspace({ 'run_sft.py': SCRIPT, 'recipes/sft.yml': RECIPE, 'run.sh': 'python run_sft.py recipes/sft.yml\n' });
    const a = analyzeFile(analyzer, root, 'run_sft.py');
    expect(a.values.micro_batch?.status).not.toBe('known');
  });
});
