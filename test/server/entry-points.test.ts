/** Values that reach a script through its entry point: fire's literal parsing of the command line, click's on/off switches. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { parseFireValue } from '../../server/src/python/script-args';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const analyze = (text: string, command?: string) =>
  analyzer.analyze({ uri: 'file:///w/finetune.py', text, version: 1 }, { gpu: 'A100-80GB', gpus: 1, ...(command ? { command } : {}) });

describe('fire command-line values (fire/parser.py DefaultParseValue)', () => {
  it('reads Python literals, with bare words as strings', () => {
    expect(parseFireValue('[q_proj,k_proj, v_proj]')).toEqual(['q_proj', 'k_proj', 'v_proj']);
    expect(parseFireValue("['q_proj', \"o_proj\"]")).toEqual(['q_proj', 'o_proj']);
    expect(parseFireValue('8')).toBe(8);
    expect(parseFireValue('3e-4')).toBe(3e-4);
    expect(parseFireValue('-1')).toBe(-1);
    expect(parseFireValue('True')).toBe(true);
    expect(parseFireValue('None')).toBe(null);
    expect(parseFireValue('q_proj,v_proj')).toEqual(['q_proj', 'v_proj']);
    expect(parseFireValue('(4)')).toBe(4);
    expect(parseFireValue('[[1, 2], (3,)]')).toEqual([[1, 2], [3]]);
  });

  it('keeps text that is not such a literal as the string it is', () => {
    expect(parseFireValue('true')).toBe('true'); // a bare word: fire passes the string "true"
    for (const raw of ['./lora-alpaca', 'meta-llama/Llama-2-7b-hf', 'yahma/alpaca-cleaned', '7b', '[q_proj', 'a]', '3-4', '', '{a: 1}']) {
      expect(parseFireValue(raw), raw).toBe(raw);
    }
  });

  it('a list given to a fire entry point on the command line reaches LoraConfig as a list', () => {
    const script = `import fire
from typing import List
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

def train(base_model: str = "meta-llama/Llama-2-7b-hf", lora_r: int = 8, lora_target_modules: List[str] = ["q_proj", "v_proj"]):
    model = AutoModelForCausalLM.from_pretrained(base_model)
    model = get_peft_model(model, LoraConfig(r=lora_r, target_modules=lora_target_modules))

if __name__ == "__main__":
    fire.Fire(train)
`;
    expect(analyze(script).job!.peft).toMatchObject({ r: 8, targets: ['q_proj', 'v_proj'] });
    const a = analyze(script, "torchrun --nproc_per_node=2 finetune.py --lora_r 16 --lora_target_modules '[q_proj,k_proj,v_proj,o_proj]'");
    expect(a.job!.peft).toMatchObject({ r: 16, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
  });
});

describe('click options', () => {
  const script = `import click
from transformers import AutoModelForCausalLM

@click.command()
@click.option("--grad-ckpt/--no-grad-ckpt", default=False, show_default=True)
def main(grad_ckpt):
    model = AutoModelForCausalLM.from_pretrained("gpt2").cuda()
    if grad_ckpt:
        model.gradient_checkpointing_enable()

if __name__ == "__main__":
    main()
`;

  it('an on/off switch takes its default, and the command line turns it either way', () => {
    expect(analyze(script).job!.grad_checkpointing).toBe(false);
    expect(analyze(script, 'python finetune.py --grad-ckpt').job!.grad_checkpointing).toBe(true);
    expect(analyze(script, 'python finetune.py --no-grad-ckpt').job!.grad_checkpointing).toBe(false);
  });
});
