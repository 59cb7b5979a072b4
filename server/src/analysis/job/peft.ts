/**
 * PEFT configs: LoRA (and DoRA via `use_dora=True`), prefix tuning, P-tuning, prompt tuning.
 * Defaults are PEFT's (peft tuners/lora/config.py: r=8, lora_alpha=8, lora_dropout=0.0; default
 * target modules per family from utils/constants.py TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING).
 */
import type { PeftConfig } from '../../../../estimator/src/types';
import { callsNamed, type CallFact } from '../../python/facts';
import { keyword } from '../../python/call-args';
import { truthy } from '../../python/evaluate';
import { assumed, known, rangeOf } from '../values';
import { formatValue } from '../fields';
import type { JobContext } from './context';

const LORA_DEFAULT_TARGETS: Record<string, string[]> = { gpt2: ['c_attn'], llama: ['q_proj', 'v_proj'], opt: ['q_proj', 'v_proj'] };
const LORA_KEYWORDS = ['r', 'lora_alpha', 'target_modules', 'lora_dropout'];
const VIRTUAL_TOKEN_CONFIGS: Record<string, PeftConfig['method']> = {
  PrefixTuningConfig: 'prefix', PromptEncoderConfig: 'p-tuning', PromptTuningConfig: 'prompt',
};

export function peft(ctx: JobContext, family: string | undefined): PeftConfig | null {
  const lora = callsNamed(ctx.facts, 'LoraConfig')[0];
  const virtual = callsNamed(ctx.facts, ...Object.keys(VIRTUAL_TOKEN_CONFIGS))[0];
  const call = lora ?? virtual;
  const fromTrl = call ? undefined : callsNamed(ctx.facts, 'get_peft_config')[0];
  if (fromTrl) return trlPeftConfig(ctx, fromTrl, family);
  if (!call) {
    ctx.values.peft = { value: null, status: 'known', reason: 'no PEFT config: full fine-tuning' };
    return null;
  }
  const config = lora ? loraConfig(ctx, lora, family) : virtualTokens(ctx, virtual!);
  const defaultTargets = lora && !keyword(ctx.ev, lora, 'target_modules');
  // A LoRA setting written but not read is no default: the config that stands in for it is only assumed.
  const unread = (lora ? LORA_KEYWORDS : []).flatMap((k) => {
    const v = keyword(ctx.ev, lora, k)?.value;
    return v && !v.ok ? [`${k}: ${v.reason}`] : [];
  });
  if (unread.length) ctx.values.peft = assumed(config, `${unread.join('; ')}; PEFT's default used`, ctx.file, call.call);
  else ctx.knownAt('peft', config, call.call, defaultTargets ? `target_modules not given: PEFT's default for ${family ?? 'this model'}` : undefined);
  ctx.anchors.push({ kind: 'argument', field: 'peft', range: rangeOf(call.call.childForFieldName('function') ?? call.call) });
  return config;
}

function num(ctx: JobContext, call: CallFact, name: string, fallback: number): number {
  const v = keyword(ctx.ev, call, name);
  return v?.value.ok && typeof v.value.value === 'number' ? v.value.value : fallback;
}

function strings(ctx: JobContext, call: CallFact, name: string): string[] | undefined {
  const v = keyword(ctx.ev, call, name);
  const t = v?.value.ok ? v.value.value : undefined;
  if (typeof t === 'string') return [t];
  return Array.isArray(t) && t.every((x) => typeof x === 'string') ? (t as string[]) : undefined;
}

function loraConfig(ctx: JobContext, lora: CallFact, family: string | undefined): PeftConfig {
  const dora = keyword(ctx.ev, lora, 'use_dora');
  const modulesToSave = strings(ctx, lora, 'modules_to_save');
  return {
    method: dora?.value.ok && dora.value.value === true ? 'dora' : 'lora',
    r: num(ctx, lora, 'r', 8),
    alpha: num(ctx, lora, 'lora_alpha', 8),
    targets: strings(ctx, lora, 'target_modules') ?? LORA_DEFAULT_TARGETS[family ?? ''] ?? ['q_proj', 'v_proj'],
    dropout: num(ctx, lora, 'lora_dropout', 0),
    ...(modulesToSave ? { modules_to_save: modulesToSave } : {}),
  };
}

/**
 * TRL's `get_peft_config(model_args)` (trl/trainer/utils.py): None unless `use_peft`, else a LoraConfig of the
 * ModelConfig fields lora_r, lora_alpha, lora_dropout, lora_target_modules (None: PEFT's default for the
 * family), lora_modules_to_save and use_dora. Known where the command line or config file sets use_peft.
 */
function trlPeftConfig(ctx: JobContext, call: CallFact, family: string | undefined): PeftConfig | null {
  const field = (name: string) => ctx.ev.parsedField(name, call.call);
  const use = field('use_peft');
  const where = `get_peft_config() at line ${call.call.startPosition.row + 1}`;
  ctx.anchors.push({ kind: 'argument', field: 'peft', range: rangeOf(call.call.childForFieldName('function') ?? call.call) });
  if (!use?.ok) {
    ctx.values.peft = assumed(null, `${where}: use_peft ${use ? `is not read: ${use.reason}` : 'is not a field of the script\'s parser'}; full fine-tuning assumed`, ctx.file, call.call);
    return null;
  }
  // A field the parser fills but TrainLens cannot read, or reads as no number (`--lora_r "$RANK"`): PEFT's default stands in, assumed.
  const unread = new Map<string, string>();
  const value = (name: string) => {
    const v = field(name);
    if (v && !v.ok) unread.set(name, v.reason);
    return v?.ok ? v.value : undefined;
  };
  const number = (name: string, fallback: number) => {
    const v = value(name);
    if (typeof v === 'number') return v;
    if (v !== undefined && v !== null) unread.set(name, `${formatValue(v)} is not a number`);
    return fallback;
  };
  const targets = value('lora_target_modules');
  const saved = value('lora_modules_to_save');
  const stringsOf = (v: unknown) => (typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const config: PeftConfig | null = truthy(use.value) ? {
    method: value('use_dora') === true ? 'dora' : 'lora',
    r: number('lora_r', 8),
    alpha: number('lora_alpha', 8),
    targets: stringsOf(targets) ?? LORA_DEFAULT_TARGETS[family ?? ''] ?? ['q_proj', 'v_proj'],
    dropout: number('lora_dropout', 0),
    ...(stringsOf(saved) ? { modules_to_save: stringsOf(saved) } : {}),
  } : null;
  const reason = `${where} from ${use.via.join(' → ')}${config && !stringsOf(targets) && !unread.has('lora_target_modules') ? `; lora_target_modules not given: PEFT's default for ${family ?? 'this model'}` : ''}`;
  ctx.values.peft = unread.size && config
    ? { ...known(ctx.file, config, use), status: 'assumed', reason: `${reason}; ${[...unread].map(([k, why]) => `${k}: ${why}`).join('; ')}; PEFT's default used` }
    : { ...known(ctx.file, config, use), reason };
  return config;
}

function virtualTokens(ctx: JobContext, call: CallFact): PeftConfig {
  return { method: VIRTUAL_TOKEN_CONFIGS[call.callee], r: 0, alpha: 0, targets: [], dropout: 0, num_virtual_tokens: num(ctx, call, 'num_virtual_tokens', 20) };
}
