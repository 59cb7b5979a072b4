/**
 * The optimizer: a torch.optim / bitsandbytes constructor anywhere (custom loops,
 * `Trainer(optimizers=(opt, sched))`), `Trainer(optimizer_cls_and_kwargs=...)`, a DeepSpeed
 * config's optimizer, else TrainingArguments `optim` (transformers OptimizerNames).
 */
import type { Node } from 'web-tree-sitter';
import type { Optimizer } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import { isDict } from '../../python/evaluate';
import { keyword, type KeywordValue } from '../../python/call-args';
import type { JobContext } from './context';
import type { DeepSpeedSource } from './deepspeed';

/** Constructor names (torch.optim, bitsandbytes.optim, torchao.optim, transformers) → optimizer; SGD with momentum is sgd_momentum. */
export const CONSTRUCTORS: Record<string, Optimizer> = {
  AdamW: 'adamw', Adam: 'adamw', SGD: 'sgd', Adafactor: 'adafactor', Lion: 'lion',
  AdamW8bit: 'adamw_8bit', Adam8bit: 'adamw_8bit', PagedAdamW8bit: 'paged_adamw_8bit', PagedAdam8bit: 'paged_adamw_8bit',
  PagedAdamW32bit: 'paged_adamw_32bit', PagedAdamW: 'paged_adamw_32bit', PagedAdam: 'paged_adamw_32bit', Lion8bit: 'lion_8bit', PagedLion8bit: 'lion_8bit',
};

/** A DeepSpeed config's optimizer.type (Adam, AdamW, OneBitAdam, Lamb, Lion, a torch.optim class...): what its states cost. */
export function deepSpeedOptimizer(type: string): Optimizer {
  const t = type.toLowerCase();
  return t.includes('sgd') ? 'sgd_momentum' : t.includes('lion') ? 'lion' : 'adamw';
}

/** transformers OptimizerNames (training_args.py) → what the estimator models. */
export const HF_NAMES: Record<string, Optimizer> = {
  adamw_torch: 'adamw', adamw_torch_fused: 'adamw', adamw_hf: 'adamw', adamw_apex_fused: 'adamw', adamw_anyprecision: 'adamw',
  adamw_bnb_8bit: 'adamw_8bit', adamw_8bit: 'adamw_8bit', adamw_torch_8bit: 'adamw_8bit',
  paged_adamw_8bit: 'paged_adamw_8bit', paged_adamw_32bit: 'paged_adamw_32bit',
  adafactor: 'adafactor', sgd: 'sgd', lion_8bit: 'lion_8bit', lion_32bit: 'lion', paged_lion_8bit: 'lion_8bit', paged_lion_32bit: 'lion',
};

export function optimizer(ctx: JobContext, ds: DeepSpeedSource | undefined): Optimizer {
  const constructed = ctx.facts.calls.find((c) => Object.hasOwn(CONSTRUCTORS, c.callee) && (!c.receiver || /optim|bnb|transformers/.test(c.receiver.text)));
  if (constructed) return fromConstructor(ctx, constructed.callee, keyword(ctx.ev, constructed, 'momentum'), constructed.call);
  for (const trainer of callsNamed(ctx.facts, 'Trainer', 'SFTTrainer', 'Seq2SeqTrainer')) {
    const pair = trainer.keywords.get('optimizer_cls_and_kwargs')?.childForFieldName('value');
    const [cls, kwargs] = pair?.type === 'tuple' ? pair.namedChildren : [];
    const name = cls?.text.split('.').pop() ?? '';
    if (!cls || !Object.hasOwn(CONSTRUCTORS, name)) continue;
    const dict = kwargs ? ctx.ev.evaluate(kwargs) : undefined;
    const momentum = dict?.ok && isDict(dict.value) ? ctx.ev.lookup(dict.value, 'momentum') : undefined;
    return fromConstructor(ctx, name, momentum && { site: pair!, value: momentum }, pair!);
  }
  const dsType = ds?.settings.optimizer?.toLowerCase();
  if (dsType) {
    const value = deepSpeedOptimizer(dsType);
    ctx.values.optimizer = { value, status: 'known', source: ds!.source, reason: `DeepSpeed optimizer type ${ds!.settings.optimizer} (${ds!.label})` };
    return value;
  }
  return ctx.record('optimizer', ctx.taKeyword('optim'), (v) => (typeof v === 'string' && Object.hasOwn(HF_NAMES, v) ? HF_NAMES[v] : undefined), 'adamw',
    ctx.hasTrainingArgs ? 'TrainingArguments default optim="adamw_torch"' : 'no optimizer found; AdamW assumed');
}

function fromConstructor(ctx: JobContext, name: string, momentum: KeywordValue | undefined, site: Node): Optimizer {
  let value = CONSTRUCTORS[name];
  if (value === 'sgd' && momentum?.value.ok && typeof momentum.value.value === 'number' && momentum.value.value > 0) value = 'sgd_momentum';
  ctx.knownAt('optimizer', value, site, `${name}(...)`);
  return value;
}
