/**
 * The optimizer: a torch.optim / bitsandbytes constructor anywhere (custom loops,
 * `Trainer(optimizers=(opt, sched))`), `Trainer(optimizer_cls_and_kwargs=...)`, a DeepSpeed
 * config's optimizer, a method of a workspace class that builds it (nanoGPT's
 * `model.configure_optimizers(...)`, model-method.ts), else TrainingArguments `optim`
 * (transformers OptimizerNames).
 */
import type { Node } from 'web-tree-sitter';
import type { Optimizer } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import { isDict } from '../../python/evaluate';
import { keyword, type KeywordValue } from '../../python/call-args';
import type { JobContext } from './context';
import type { DeepSpeedSource } from './deepspeed';
import { optimizerFromModelMethod } from './model-method';
import { CONSTRUCTORS, HF_NAMES, constructed, deepSpeedOptimizer, isConstructor } from './optimizer-names';

export function optimizer(ctx: JobContext, ds: DeepSpeedSource | undefined): Optimizer {
  const built = ctx.facts.calls.find(isConstructor);
  if (built) return fromConstructor(ctx, built.callee, keyword(ctx.ev, built, 'momentum'), built.call);
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
  const method = optimizerFromModelMethod(ctx);
  if (method && 'value' in method) return method.value;
  return ctx.record('optimizer', ctx.taKeyword('optim'), (v) => (typeof v === 'string' && Object.hasOwn(HF_NAMES, v) ? HF_NAMES[v] : undefined), 'adamw',
    ctx.hasTrainingArgs ? 'TrainingArguments default optim="adamw_torch"' : `${method?.reason ?? 'no optimizer found'}; AdamW assumed`);
}

function fromConstructor(ctx: JobContext, name: string, momentum: KeywordValue | undefined, site: Node): Optimizer {
  const value = constructed(name, momentum);
  ctx.knownAt('optimizer', value, site, `${name}(...)`);
  return value;
}

