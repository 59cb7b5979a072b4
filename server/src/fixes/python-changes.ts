/**
 * Edit writers for changes made in the Python script: gradient checkpointing, precision flags, the optimizer
 * (`optim=`), the attention implementation, the sequence length, and micro-batch with accumulation.
 */
import type { TrainingJob } from '../../../estimator/src/types';
import type { EditIntent } from './intents';
import type { WriterContext } from './context';
import { rangeOf } from '../analysis/values';
import { setValue } from './values';
import { assignedName } from './python-layout';
import { MODEL_CLASSES } from '../analysis/model-configs';

/** transformers OptimizerNames written for each optimizer change (training_args.py). */
export const OPTIM_NAMES: Record<string, string> = { adamw_8bit: 'adamw_bnb_8bit', paged_adamw_8bit: 'paged_adamw_8bit', adafactor: 'adafactor' };

/**
 * A model transformers builds (from_pretrained/from_config or a model class such as GPT2LMHeadModel(config)):
 * it has `gradient_checkpointing_enable()` (transformers PreTrainedModel); a custom nn.Module has not.
 */
function isTransformersModel(ctx: WriterContext): boolean {
  const call = ctx.script.sites.model?.call;
  return !!call && (call.callee === 'from_pretrained' || call.callee === 'from_config' || MODEL_CLASSES.includes(call.callee));
}

/** TrainingArguments `gradient_checkpointing=True`, an explicit False flipped, or `model.gradient_checkpointing_enable()` in a loop. */
export function checkpointing(ctx: WriterContext): EditIntent[] | undefined {
  const { sites } = ctx.script;
  const current = sites.gradCheckpointing?.value;
  if (current?.ok && current.value === false) return setValue(ctx, 'grad_checkpointing', true);
  if (sites.trainingArgs && !sites.gradCheckpointing) return [{ kind: 'keyword', args: sites.trainingArgs.args, text: 'gradient_checkpointing=True' }];
  const load = sites.model?.call.call;
  const name = load && assignedName(load);
  if (!sites.trainingArgs && load && name && isTransformersModel(ctx)) return [{ kind: 'after', node: load, line: `${name}.gradient_checkpointing_enable()` }];
  return undefined;
}

/**
 * For a custom nn.Module no edit is written (which blocks to wrap, and whether their forward is safe to re-run, is
 * the author's call), so the fix is a hint that says what to do: wrap each block's call in
 * torch.utils.checkpoint.checkpoint(block, x, use_reentrant=False), which is what the estimate assumes.
 */
export function checkpointingHint(ctx: WriterContext): string | undefined {
  if (ctx.script.sites.trainingArgs || !ctx.script.sites.model || isTransformersModel(ctx)) return undefined;
  return 'Gradient checkpointing (hint, not written): call each block as torch.utils.checkpoint.checkpoint(block, x, use_reentrant=False)';
}

/** `micro_batch` and `grad_accum` where each is set; accumulation added to TrainingArguments (or the DeepSpeed config) when it was a default. */
export function microBatch(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const micro = setValue(ctx, 'micro_batch', job.micro_batch, ['train_micro_batch_size_per_gpu']);
  if (!micro) return undefined;
  const accumInfo = ctx.script.values.grad_accum;
  if (accumInfo?.status === 'known') {
    const accum = setValue(ctx, 'grad_accum', job.grad_accum, ['gradient_accumulation_steps']);
    return accum && [...micro, ...accum];
  }
  const args = ctx.script.sites.trainingArgs?.args;
  if (args) return [...micro, { kind: 'keyword', args, text: `gradient_accumulation_steps=${job.grad_accum}` }];
  return undefined;
}

/** fp32 → `bf16=True` / `fp16=True` on TrainingArguments (an explicit False flipped). */
export function mixedPrecision(ctx: WriterContext, half: 'bf16' | 'fp16'): EditIntent[] | undefined {
  const call = ctx.script.sites.trainingArgs;
  if (!call) return undefined;
  const written = call.keywords.get(half)?.childForFieldName('value');
  if (written?.type === 'false') return [{ kind: 'replace', uri: ctx.uri, range: rangeOf(written), newText: 'True' }];
  if (written) return undefined;
  return [{ kind: 'keyword', args: call.args, text: `${half}=True` }];
}

/** `optim="adamw_bnb_8bit"` etc., when the optimizer is TrainingArguments' (not a constructor or the DeepSpeed config's). */
export function optimizer(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const call = ctx.script.sites.trainingArgs;
  const name = OPTIM_NAMES[job.optimizer];
  const info = ctx.script.values.optimizer;
  if (!call || !name) return undefined;
  const written = call.keywords.get('optim');
  if (written) return info?.status === 'known' ? setValue(ctx, 'optimizer', name) : undefined;
  return info?.status === 'assumed' ? [{ kind: 'keyword', args: call.args, text: `optim=${JSON.stringify(name)}` }] : undefined;
}

/** `attn_implementation="sdpa"` / `"flash_attention_2"` where the model is loaded. */
export function attention(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const value = job.attention === 'flash' ? 'flash_attention_2' : 'sdpa';
  const model = ctx.script.sites.model;
  if (!model) return undefined;
  if (model.attention) return setValue(ctx, 'attention', value);
  if (model.call.callee !== 'from_pretrained') return undefined;
  return [{ kind: 'keyword', args: model.call.args, text: `attn_implementation=${JSON.stringify(value)}` }];
}

export function sequence(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  return setValue(ctx, 'seq_len', job.seq_len);
}
