/**
 * Defaults of TRL's ModelConfig (trl/trainer/model_config.py), the dataclass TRL's scripts parse with
 * TrlParser for the model, LoRA and bitsandbytes options, and of alignment-handbook's ModelArguments
 * (src/alignment/configs.py before it moved to TRL's: the same names and defaults for these fields).
 * Read only where the script's parser names ModelConfig, or ModelArguments imported from `alignment`,
 * and the command line or config file leaves the field out; library defaults, so assumed.
 */
import type { Node } from 'web-tree-sitter';
import type { CallFact } from './facts';
import { fromImports } from './local-classes';
import { assumedStep, type Evaluated, type PyValue } from './evaluate';

const MODEL_CONFIG_DEFAULTS: Record<string, PyValue> = {
  model_name_or_path: null,
  torch_dtype: null,
  dtype: null,
  attn_implementation: null,
  use_peft: false,
  lora_r: 16,
  lora_alpha: 32,
  lora_dropout: 0.05,
  lora_target_modules: null,
  lora_modules_to_save: null,
  use_dora: false,
  load_in_8bit: false,
  load_in_4bit: false,
  bnb_4bit_quant_type: 'nf4',
  use_bnb_nested_quant: false,
};

/** The library default of `attr` when `parser` is built with TRL's ModelConfig or alignment-handbook's ModelArguments. */
export function trlModelConfigDefault(parser: CallFact, attr: string, node: Node): Evaluated | undefined {
  if (!Object.hasOwn(MODEL_CONFIG_DEFAULTS, attr)) return undefined;
  const alignment = /\bModelArguments\b/.test(parser.args.text) && /^alignment\b/.test(fromImports(parser.call.tree.rootNode).get('ModelArguments')?.from ?? '');
  if (!alignment && !/\bModelConfig\b/.test(parser.args.text)) return undefined;
  const value = MODEL_CONFIG_DEFAULTS[attr];
  const owner = alignment ? 'alignment-handbook ModelArguments' : 'TRL ModelConfig';
  return { ok: true, value, node, via: [assumedStep(`${owner} default ${attr}=${value === null ? 'None' : JSON.stringify(value)}`)] };
}
