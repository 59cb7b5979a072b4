/** Gradient checkpointing and the attention implementation. */
import type { Attention } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import type { ModelSource } from '../model-source';
import { keyword } from '../../python/call-args';
import { runs, type JobContext } from './context';
import { truthy } from '../../python/evaluate';
import { assumed } from '../values';

export function gradCheckpointing(ctx: JobContext): boolean {
  const arg = ctx.taKeyword('gradient_checkpointing');
  ctx.sites.gradCheckpointing = arg;
  const prepares = callsNamed(ctx.facts, 'prepare_model_for_kbit_training').map((c) => ({ call: c, flag: keyword(ctx.ev, c, 'use_gradient_checkpointing') }));
  const enable = [
    ...callsNamed(ctx.facts, 'gradient_checkpointing_enable', 'apply_activation_checkpointing'),
    ...callsNamed(ctx.facts, 'checkpoint', 'checkpoint_sequential').filter((c) => /checkpoint/.test(c.receiver?.text ?? 'checkpoint')),
    ...prepares.filter(({ flag }) => !flag || flag.value.ok && truthy(flag.value.value)).map(({ call }) => call),
  ].find((c) => runs(ctx, c.call));
  const argTrue = arg?.value.ok && arg.value.value === true;
  if (enable && !argTrue) {
    const reason = enable.callee === 'prepare_model_for_kbit_training' ? 'prepare_model_for_kbit_training enables it by default (use_gradient_checkpointing=True)' : undefined;
    ctx.knownAt('grad_checkpointing', true, enable.call, reason);
    return true;
  }
  // `use_gradient_checkpointing=training_args.gradient_checkpointing` follows the training arguments,
  // read below; any other flag TrainLens cannot read leaves the setting open: on is assumed, as PEFT's default.
  const unread = argTrue ? undefined : prepares.find(({ call, flag }) => flag && !flag.value.ok && runs(ctx, call.call)
    && !(ctx.hasTrainingArgs && /(^|\.)gradient_checkpointing$/.test(flag.value.node.text)));
  if (unread?.flag && !unread.flag.value.ok) {
    ctx.values.grad_checkpointing = assumed(true, `${unread.flag.value.reason}; on assumed, as prepare_model_for_kbit_training's default use_gradient_checkpointing=True`, ctx.file, unread.flag.site);
    return true;
  }
  return ctx.record('grad_checkpointing', arg, (v) => (typeof v === 'boolean' ? v : undefined), ctx.isTrl,
    ctx.isTrl ? 'TRL default gradient_checkpointing=True (TRL ≥ 0.22)'
      : ctx.hasTrainingArgs ? 'TrainingArguments default gradient_checkpointing=False' : 'no gradient_checkpointing_enable() call found');
}

export function attention(ctx: JobContext, model: ModelSource | undefined): Attention {
  const inCode = !model?.attention && model?.attentionInCode;
  if (inCode) {
    ctx.values.attention = assumed(inCode.value, inCode.reason);
    return inCode.value;
  }
  return ctx.record('attention', model?.attention, (v) => (typeof v === 'string' ? attentionOf(v) : undefined), 'sdpa',
    'transformers uses SDPA by default when PyTorch supports it');
}

function attentionOf(name: string): Attention | undefined {
  const plain = name.replace(/^paged\|/, '');
  if (plain === 'eager') return 'eager';
  if (plain === 'sdpa') return 'sdpa';
  if (plain.startsWith('flash_attention')) return 'flash';
  return undefined;
}
