/** Gradient checkpointing and the attention implementation. */
import type { Attention } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import type { ModelSource } from '../model-source';
import { keyword } from '../../python/call-args';
import { runs, type JobContext } from './context';

export function gradCheckpointing(ctx: JobContext): boolean {
  const arg = ctx.taKeyword('gradient_checkpointing');
  ctx.sites.gradCheckpointing = arg;
  const enable = [
    ...callsNamed(ctx.facts, 'gradient_checkpointing_enable', 'apply_activation_checkpointing'),
    ...callsNamed(ctx.facts, 'checkpoint', 'checkpoint_sequential').filter((c) => /checkpoint/.test(c.receiver?.text ?? 'checkpoint')),
    ...callsNamed(ctx.facts, 'prepare_model_for_kbit_training').filter((c) => {
      const flag = keyword(ctx.ev, c, 'use_gradient_checkpointing');
      return !(flag?.value.ok && flag.value.value === false);
    }),
  ].find((c) => runs(ctx, c.call));
  if (enable && !(arg?.value.ok && arg.value.value === true)) {
    const reason = enable.callee === 'prepare_model_for_kbit_training' ? 'prepare_model_for_kbit_training enables it by default (use_gradient_checkpointing=True)' : undefined;
    ctx.knownAt('grad_checkpointing', true, enable.call, reason);
    return true;
  }
  return ctx.record('grad_checkpointing', arg, (v) => (typeof v === 'boolean' ? v : undefined), ctx.isTrl,
    ctx.isTrl ? 'TRL default gradient_checkpointing=True (TRL ≥ 0.22)'
      : ctx.hasTrainingArgs ? 'TrainingArguments default gradient_checkpointing=False' : 'no gradient_checkpointing_enable() call found');
}

export function attention(ctx: JobContext, model: ModelSource | undefined): Attention {
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
