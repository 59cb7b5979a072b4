/**
 * `get_quantization_config(model_args)`: the bitsandbytes config a library builds from its model-arguments
 * dataclass, read as that library writes it (nothing is imported or run):
 * - TRL (trl/trainer/utils.py, v0.8 to v0.2x): `load_in_4bit` → `BitsAndBytesConfig(load_in_4bit=True,
 *   bnb_4bit_compute_dtype=model_args.torch_dtype (model_args.dtype since TRL's torch_dtype→dtype rename),
 *   bnb_4bit_quant_type=model_args.bnb_4bit_quant_type, bnb_4bit_use_double_quant=model_args.use_bnb_nested_quant)`,
 *   else `load_in_8bit` → `BitsAndBytesConfig(load_in_8bit=True)`, else None.
 * - alignment-handbook (src/alignment/model_utils.py, before it moved to TrlParser): the same, except that the
 *   compute dtype is float16 unless `torch_dtype` names a dtype (None and "auto" keep float16).
 * The fields come from the parser (command line, recipe file) or the dataclass defaults (trl-model-config.ts).
 */
import type { Node } from 'web-tree-sitter';
import { callsNamed, type CallFact } from '../../python/facts';
import type { Evaluated } from '../../python/evaluate';
import type { KeywordValue } from '../../python/call-args';
import { fromImports } from '../../python/local-classes';
import type { JobContext } from './context';

/** Where a bitsandbytes setting is read: a `BitsAndBytesConfig(...)` keyword, or what a library helper passes for it. */
export interface BnbSettings {
  call: CallFact;
  read(keyword: string): KeywordValue | undefined;
  /** The helper call that passes the settings; undefined for a written BitsAndBytesConfig. */
  label?: string;
}

type Library = 'trl' | 'alignment';

const LIBRARY_MODULES: Record<string, Library> = { trl: 'trl', 'trl.trainer': 'trl', 'trl.trainer.utils': 'trl', alignment: 'alignment', 'alignment.model_utils': 'alignment' };

/** The model-arguments field each BitsAndBytesConfig keyword takes (the compute dtype is resolved apart). */
const FIELD_OF: Record<string, string> = {
  load_in_4bit: 'load_in_4bit',
  load_in_8bit: 'load_in_8bit',
  bnb_4bit_quant_type: 'bnb_4bit_quant_type',
  bnb_4bit_use_double_quant: 'use_bnb_nested_quant',
};

/** The file's call of a library's `get_quantization_config(model_args)`; undefined when the script defines its own. */
export function libraryQuantization(ctx: JobContext): BnbSettings | undefined {
  const call = callsNamed(ctx.facts, 'get_quantization_config').find((c) => !c.receiver && c.positional.length === 1);
  if (!call) return undefined;
  const imported = fromImports(call.call.tree.rootNode).get('get_quantization_config');
  const library = imported && imported.name === 'get_quantization_config' ? LIBRARY_MODULES[imported.from] : undefined;
  if (!library) return undefined;
  const modelArgs = call.positional[0];
  const field = (name: string): Evaluated => ctx.ev.parsedField(name, modelArgs)
    ?? { ok: false, reason: `${modelArgs.text}.${name} is not a field TrainLens can read`, node: modelArgs };
  const site = (value: Evaluated): KeywordValue => ({ site: call.call, value });
  return {
    call,
    label: `${library === 'trl' ? 'TRL' : 'alignment-handbook'} get_quantization_config(${modelArgs.text}) at line ${call.call.startPosition.row + 1}`,
    read(keyword) {
      if (keyword === 'bnb_4bit_compute_dtype') return site(computeDtype(library, field, modelArgs));
      const name = FIELD_OF[keyword];
      return name ? site(field(name)) : undefined;
    },
  };
}

/** TRL hands the model dtype string to BitsAndBytesConfig (None: its float32 default); alignment-handbook falls back to float16. */
function computeDtype(library: Library, field: (name: string) => Evaluated, node: Node): Evaluated {
  const torchDtype = field('torch_dtype');
  const named = torchDtype.ok && torchDtype.value !== null ? torchDtype : library === 'trl' ? field('dtype') : torchDtype;
  if (!named.ok) return named;
  if (named.value === 'auto') {
    return library === 'alignment' ? { ok: true, value: 'float16', node, via: [...named.via, 'torch_dtype "auto": alignment-handbook computes in float16'] }
      : { ok: false, reason: 'dtype "auto" is not a compute dtype BitsAndBytesConfig accepts', node };
  }
  if (named.value === null) {
    return library === 'alignment' ? { ok: true, value: 'float16', node, via: [...named.via, 'torch_dtype None: alignment-handbook computes in float16'] }
      : { ok: true, value: 'float32', node, via: [...named.via, 'dtype None: BitsAndBytesConfig default float32'] };
  }
  return named;
}
