/** Names read from user text are looked up in lookup tables as own keys only: `constructor` is not an optimizer. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

describe('names that are Object.prototype members', () => {
  it('an optimizer called constructor or toString is not a known optimizer (script, axolotl)', () => {
    const py = analyzeFile(analyzer, writeWorkspace({ 't.py': 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nopt = constructor(model.parameters())\nargs = TrainingArguments(optim="toString")\n' }), 't.py');
    expect(py.job!.optimizer).toBe('adamw');
    const yml = analyzeFile(analyzer, writeWorkspace({ 'a.yml': 'base_model: gpt2\noptimizer: constructor\n' }), 'a.yml');
    expect(yml.job!.optimizer).toBe('adamw');
  });
});
