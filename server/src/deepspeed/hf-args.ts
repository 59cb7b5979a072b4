/**
 * The Hugging Face training arguments a script gives, as far as they decide what HF checks against
 * a DeepSpeed config (transformers integrations/deepspeed.py trainer_config_process; see
 * ../shared/reference/domain-rules.md §1.8): literal values written in `TrainingArguments(...)` /
 * TRL `SFTConfig(...)`, or `--flag value` on the launch line of an HfArgumentParser script. When
 * the arguments are complete (one call without `**kwargs`, or HfArgumentParser with the command
 * line known), an argument not given has its class default (transformers training_args.py; TRL
 * sft_config.py overrides learning_rate and bf16).
 */
import type { Node } from 'web-tree-sitter';

export type HfValue = boolean | number;

export interface HfArgs {
  /** Literal True/False and numbers, by argument name. */
  written: Record<string, HfValue>;
  /** The arguments class whose defaults fill what is not written, when nothing else can set it. */
  complete?: 'TrainingArguments' | 'SFTConfig';
}

/** transformers TrainingArguments defaults (training_args.py). */
const DEFAULTS: Record<string, HfValue> = {
  per_device_train_batch_size: 8,
  gradient_accumulation_steps: 1,
  learning_rate: 5e-5,
  weight_decay: 0,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  adam_epsilon: 1e-8,
  max_grad_norm: 1.0,
  fp16: false,
  bf16: false,
};

/** The argument names HF compares with the DeepSpeed config. */
export const COMPARED = Object.keys(DEFAULTS);

export const HF_ARGS_CLASSES = /(^|\.)(TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|GRPOConfig)$/;

/** The value HF has for `name`: written, else the class default when the arguments are complete. */
export function hfValue(args: HfArgs, name: string): HfValue | undefined {
  if (name in args.written) return args.written[name];
  if (!args.complete) return undefined;
  if (args.complete === 'SFTConfig') {
    if (name === 'learning_rate') return 2e-5; // TRL SFTConfig
    if (name === 'bf16') return args.written.fp16 !== true; // TRL ≥ 0.19: bf16 unless fp16
  }
  return DEFAULTS[name];
}

/** Literal arguments of the script's HF arguments call(s). */
export function hfArgsOf(calls: Node[], callee: (call: Node) => string): HfArgs {
  const argCalls = calls.filter((c) => HF_ARGS_CLASSES.test(callee(c)));
  const written: Record<string, HfValue> = {};
  let splat = false;
  for (const call of argCalls) {
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type === 'dictionary_splat') splat = true;
      const name = arg?.childForFieldName('name')?.text;
      const value = arg?.childForFieldName('value');
      if (!name || !value || !COMPARED.includes(name)) continue;
      const literal = literalOf(value);
      if (literal !== undefined) written[name] = literal;
    }
  }
  const only = argCalls.length === 1 && !splat ? callee(argCalls[0]) : undefined;
  return { written, ...(only ? { complete: /SFTConfig$/.test(only) ? 'SFTConfig' : 'TrainingArguments' } : {}) };
}

/** `--learning_rate 1e-4`, `--bf16` (or `--bf16 True`) on a launch line. */
export function hfArgsFromCommandLine(args: Map<string, string | true>): Record<string, HfValue> {
  const out: Record<string, HfValue> = {};
  for (const name of COMPARED) {
    const v = args.get(name);
    if (v === undefined) continue;
    if (v === true || /^true$/i.test(v)) out[name] = true;
    else if (/^false$/i.test(v)) out[name] = false;
    else if (Number.isFinite(Number(v))) out[name] = Number(v);
  }
  return out;
}

function literalOf(node: Node): HfValue | undefined {
  if (node.type === 'true' || node.type === 'false') return node.type === 'true';
  if (node.type === 'integer' || node.type === 'float') return Number(node.text.replace(/_/g, ''));
  if (node.type === 'unary_operator' && node.text.startsWith('-')) {
    const inner = node.namedChildren[0];
    const v = inner ? literalOf(inner) : undefined;
    return typeof v === 'number' ? -v : undefined;
  }
  return undefined;
}
