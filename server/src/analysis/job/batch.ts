/** Micro-batch, gradient accumulation and sequence length. */
import { callsNamed } from '../../python/facts';
import { keyword, type KeywordValue } from '../../python/call-args';
import { JobContext, positional } from './context';
import type { DeepSpeedSource } from './deepspeed';
import { loopSteps, stepAfterEveryBackward } from './loop';
import { known } from '../values';
import { argKey } from '../../python/script-args';

/** `train_micro_batch_size_per_gpu` / `gradient_accumulation_steps` of a DeepSpeed config, when numbers. */
function fromDeepSpeed(ds: DeepSpeedSource | undefined, key: 'micro_batch' | 'grad_accum'): KeywordValue | undefined {
  const v = ds?.settings[key];
  return typeof v === 'number' && ds ? { site: ds.site, value: { ok: true, value: v, node: ds.site, via: [`DeepSpeed config ${ds.label}`] } } : undefined;
}

export function microBatch(ctx: JobContext, ds?: DeepSpeedSource): number {
  const fromArgs = ctx.taKeyword('per_device_train_batch_size');
  if (fromArgs || ctx.hasTrainingArgs) {
    ctx.sites.microBatch = fromArgs;
    return ctx.number('micro_batch', fromArgs, 8, 'TrainingArguments default per_device_train_batch_size=8');
  }
  const loader = callsNamed(ctx.facts, 'DataLoader')[0];
  const arg = fromDeepSpeed(ds, 'micro_batch') ?? (loader ? keyword(ctx.ev, loader, 'batch_size') ?? positional(ctx.ev, loader, 1) : undefined)
    ?? (loader ? undefined : firstVariable(ctx, BATCH_NAMES));
  ctx.sites.microBatch = arg;
  return ctx.number('micro_batch', arg, 1, loader ? 'DataLoader default batch_size=1' : 'no TrainingArguments or DataLoader found; 1 assumed');
}

/** A loop's own batch variable (nanoGPT's `batch_size`, `MICRO_BATCH_SIZE`), read when no DataLoader shows the batch. */
const BATCH_NAMES = /^(micro_)?batch_size(_per_(gpu|device))?$|^micro_batch$/i;

export function gradAccum(ctx: JobContext, ds?: DeepSpeedSource): number {
  const fromDs = ctx.hasTrainingArgs ? undefined : fromDeepSpeed(ds, 'grad_accum');
  const fromLoop = ctx.hasTrainingArgs || ds ? undefined : stepAfterEveryBackward(ctx);
  return ctx.number('grad_accum', ctx.taKeyword('gradient_accumulation_steps') ?? fromDs ?? accumulationVariable(ctx) ?? fromLoop, 1,
    ctx.hasTrainingArgs ? 'TrainingArguments default gradient_accumulation_steps=1' : 'no TrainingArguments; a loop without accumulation assumed');
}

/** In a plain loop: `GRAD_ACCUM = 8` / `gradient_accumulation_steps = 4` (nanoGPT style), or `Accelerator(gradient_accumulation_steps=...)`. */
function accumulationVariable(ctx: JobContext): KeywordValue | undefined {
  const accelerator = callsNamed(ctx.facts, 'Accelerator')[0];
  const fromAccelerator = accelerator && keyword(ctx.ev, accelerator, 'gradient_accumulation_steps');
  if (fromAccelerator) return fromAccelerator;
  if (ctx.hasTrainingArgs) return undefined;
  return firstVariable(ctx, /^(grad(ient)?_acc(um(ulation)?)?(_steps)?|accum(ulation)?_steps)$/i);
}

const SEQ_LEN_NAMES = /^(block(_size)?|seq(uence)?_?len(gth)?|max_(seq_?)?len(gth)?|context_(len|length|window))$/i;

export function seqLen(ctx: JobContext, maxPositions: number | undefined): number {
  const fallback = Math.min(2048, maxPositions ?? 2048);
  const trainer = callsNamed(ctx.facts, 'SFTTrainer')[0];
  const trl = ctx.isTrl ? ctx.taKeyword('max_length') ?? ctx.taKeyword('max_seq_length') : undefined;
  const onTrainer = trainer ? keyword(ctx.ev, trainer, 'max_seq_length') : undefined;
  if (trl || onTrainer || ctx.isTrl) return ctx.number('seq_len', trl ?? onTrainer, 1024, 'TRL SFTConfig default max_length=1024');
  // A tokenizer's max_length, or a dataset built with `seq_len=` / `block_size=` (generate()'s max_length counts
  // new tokens too): the first that TrainLens reads, else a variable or option so named, else the first unread one with its reason.
  let unread: KeywordValue | undefined;
  let written: KeywordValue | undefined;
  for (const c of ctx.facts.calls) {
    const name = c.callee === 'generate' ? undefined : [...c.keywords.keys()].filter((k) => SEQ_LEN_NAMES.test(k)).sort((a, b) => seqKeywordRank(a) - seqKeywordRank(b))[0];
    const kw = name ? keyword(ctx.ev, c, name) : undefined;
    if (kw?.value.ok) {
      written = kw;
      break;
    }
    unread ??= kw;
  }
  const arg = written ?? firstVariable(ctx, SEQ_LEN_NAMES) ?? argparseOption(ctx, SEQ_LEN_NAMES) ?? unread;
  return ctx.number('seq_len', arg, fallback, arg ? `${fallback} assumed (the model's context, at most 2048)` : 'not found');
}

/** max_length first (a tokenizer truncates to it), then block_size, then the other names. */
function seqKeywordRank(name: string): number {
  return name === 'max_length' ? 0 : name === 'block_size' ? 1 : 2;
}

/** An argparse option whose destination matches (`--seq-len`): `args.seq_len`, from the command line or its default. */
function argparseOption(ctx: JobContext, names: RegExp): KeywordValue | undefined {
  for (const call of callsNamed(ctx.facts, 'add_argument')) {
    const dest = call.keywords.get('dest')?.childForFieldName('value');
    const written = (dest ? [dest] : call.positional).map((n) => ctx.ev.evaluate(n));
    const name = written.flatMap((v) => (v.ok && typeof v.value === 'string' ? [argKey(v.value)] : [])).find((n) => names.test(n));
    const value = name ? ctx.ev.argparseValue(name) : undefined;
    if (value) return { site: call.call, value };
  }
  return undefined;
}

/**
 * The variable whose name matches and is assigned first, with the value it holds at the end of the
 * file (after config overrides, `if ddp: x //= world_size` and the like): what the training loop uses.
 */
export function firstVariable(ctx: JobContext, names: RegExp): KeywordValue | undefined {
  const first = [...ctx.facts.assignments.entries()]
    .filter(([name]) => names.test(name.split('.').pop() ?? name))
    .map(([, list]) => list[0])
    .sort((a, b) => a.assignment.startIndex - b.assignment.startIndex)[0];
  if (!first) return undefined;
  const inClass = first.assignment.parent?.parent?.parent?.type === 'class_definition' || first.assignment.parent?.parent?.type === 'class_definition';
  const final = first.name.includes('.') ? undefined : ctx.ev.valueAt(first.name, Infinity, first.assignment);
  const value = (inClass && ctx.ev.dataclassField(first.name)) || final || ctx.ev.evaluate(first.value);
  return { site: first.assignment, value };
}

/** Optimizer steps of the whole run: `max_steps` (> 0), a loop bound named like `max_iters`/`STEPS`, or the bound of the loop around the optimizer step. */
export function totalSteps(ctx: JobContext): number | undefined {
  const arg = ctx.taKeyword('max_steps')
    ?? (ctx.hasTrainingArgs ? undefined : firstVariable(ctx, /^(max_iters|max_steps|total_steps|num_steps|steps|num_training_steps)$/i) ?? loopSteps(ctx));
  if (!arg?.value.ok || typeof arg.value.value !== 'number' || !Number.isInteger(arg.value.value) || arg.value.value <= 0) return undefined;
  ctx.values.total_steps = known(ctx.file, arg.value.value, arg.value, arg.site);
  return arg.value.value;
}
