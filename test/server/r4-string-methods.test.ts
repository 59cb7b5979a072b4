/**
 * str methods and list comprehensions evaluated statically, as fine-tuning scripts write their LoRA target
 * lists and dtypes (`args.lora_target_modules.split(",")`, `[m.strip() for m in ...]`, `.lower()`), and
 * `int()` of a string. Read through the real analyzer: the LoraConfig those values reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

/** A LoRA script whose `target_modules=` (and `r=`) are the given expressions, after `setup` lines. */
function lora(targets: string, { setup = '', r = '16', launcher }: { setup?: string; r?: string; launcher?: string } = {}) {
  const script = `import argparse
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

parser = argparse.ArgumentParser()
parser.add_argument("--targets", type=str, default="q_proj, v_proj")
parser.add_argument("--required_targets", type=str, required=True)
args = parser.parse_args()
${setup}
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
model = get_peft_model(model, LoraConfig(r=${r}, lora_alpha=32, target_modules=${targets}))
`;
  const root = writeWorkspace({ 'train.py': script, ...(launcher ? { 'run.sh': `python train.py ${launcher}\n` } : {}) });
  return analyzeFile(analyzer, root, 'train.py');
}

describe('str methods', () => {
  it('split on a separator keeps each field as written', () => {
    expect(lora('"q_proj,v_proj".split(",")').job?.peft?.targets).toEqual(['q_proj', 'v_proj']);
    expect(lora('"q_proj, v_proj".split(",")').job?.peft?.targets).toEqual(['q_proj', ' v_proj']);
  });

  it('split() without a separator splits on runs of whitespace and drops the empty ends', () => {
    expect(lora('"  q_proj \\t v_proj\\n".split()').job?.peft?.targets).toEqual(['q_proj', 'v_proj']);
  });

  it('maxsplit stops after that many splits', () => {
    expect(lora('"q_proj,k_proj,v_proj".split(",", 1)').job?.peft?.targets).toEqual(['q_proj', 'k_proj,v_proj']);
    expect(lora('"q_proj k_proj  v_proj ".split(None, 1)').job?.peft?.targets).toEqual(['q_proj', 'k_proj  v_proj ']);
  });

  it('strip, lower, upper, replace and join, chained', () => {
    expect(lora('["Q_PROJ ".strip().lower(), "v-proj".replace("-", "_")]').job?.peft?.targets).toEqual(['q_proj', 'v_proj']);
    expect(lora('"xxq_projxx".strip("x").upper().lower().split(",")').job?.peft?.targets).toEqual(['q_proj']);
    expect(lora('",".join(["q_proj", "o_proj"]).split(",")').job?.peft?.targets).toEqual(['q_proj', 'o_proj']);
    expect(lora('"a.b.c".replace(".", "_", 1).split(",")').job?.peft?.targets).toEqual(['a_b.c']);
  });

  it('an argparse default, or the launcher\'s value, split and stripped item by item', () => {
    const comprehension = '[m.strip() for m in args.targets.split(",")]';
    const fromDefault = lora(comprehension);
    expect(fromDefault.job?.peft?.targets).toEqual(['q_proj', 'v_proj']);
    expect(fromDefault.values.peft?.status).toBe('known');
    expect(lora(comprehension, { launcher: '--required_targets x --targets "k_proj , o_proj,gate_proj"' }).job?.peft?.targets).toEqual(['k_proj', 'o_proj', 'gate_proj']);
  });

  it('a comprehension filter drops the items it tests false', () => {
    expect(lora('[m for m in "q_proj,,v_proj,".split(",") if m]').job?.peft?.targets).toEqual(['q_proj', 'v_proj']);
    expect(lora('[m for m in "q_proj,v_proj".split(",") if m != "v_proj"]').job?.peft?.targets).toEqual(['q_proj']);
  });

  it('the loop name is bound only inside its comprehension', () => {
    const a = lora('[m for m in names] + [m]', { setup: 'm = "o_proj"\nnames = "q_proj".split(",")' });
    expect(a.job?.peft?.targets).toEqual(['q_proj', 'o_proj']);
  });

  it('a required argument that no launcher gives leaves the targets unread, with the reason, and the config assumed', () => {
    const a = lora('[m.strip() for m in args.required_targets.split(",")]');
    expect(a.values.peft?.status).toBe('assumed');
    expect(a.values.peft?.reason).toContain('required_targets');
  });

  it('a per-item call TrainLens cannot read leaves the list unread', () => {
    const a = lora('[resolve(m) for m in "q_proj,v_proj".split(",")]');
    expect(a.values.peft?.status).toBe('assumed');
    expect(a.values.peft?.reason).toContain('resolve(m)');
  });

  it('a module function named like a str method is not taken for one', () => {
    const a = lora('"q_proj".split(",")', { setup: 'import dataclasses\nargs = dataclasses.replace(args, targets="x")' });
    expect(a.job?.peft?.targets).toEqual(['q_proj']);
    // `os.path` is not `args.path`, even where an option of that name exists.
    const path = lora('os.path.split("q_proj/v_proj")', { setup: 'import os\nparser.add_argument("--path", default="a/b")' });
    expect(path.values.peft?.status).toBe('assumed');
  });
});

describe('int() of a string', () => {
  it('takes a sign, underscores and whitespace, as Python does', () => {
    expect(lora('["q_proj"]', { r: 'int(" +1_6 ")' }).job?.peft?.r).toBe(16);
  });

  it('a string that is not an integer leaves r unread, with the reason', () => {
    const a = lora('["q_proj"]', { r: 'int("16.0")' });
    expect(a.values.peft?.status).toBe('assumed');
    expect(a.values.peft?.reason).toContain('int(16.0)');
  });
});
