/**
 * Optimizer names as code writes them, and what the estimator models for each: torch.optim /
 * bitsandbytes.optim / torchao.optim / transformers classes, transformers OptimizerNames
 * (training_args.py) and DeepSpeed optimizer types.
 */
import type { Optimizer } from '../../../../estimator/src/types';
import type { CallFact } from '../../python/facts';
import type { KeywordValue } from '../../python/call-args';

/** Constructor names (torch.optim, bitsandbytes.optim, torchao.optim, transformers) → optimizer; SGD with momentum is sgd_momentum. */
export const CONSTRUCTORS: Record<string, Optimizer> = {
  AdamW: 'adamw', Adam: 'adamw', SGD: 'sgd', Adafactor: 'adafactor', Lion: 'lion',
  AdamW8bit: 'adamw_8bit', Adam8bit: 'adamw_8bit', PagedAdamW8bit: 'paged_adamw_8bit', PagedAdam8bit: 'paged_adamw_8bit',
  PagedAdamW32bit: 'paged_adamw_32bit', PagedAdamW: 'paged_adamw_32bit', PagedAdam: 'paged_adamw_32bit', Lion8bit: 'lion_8bit', PagedLion8bit: 'lion_8bit',
};

/** A call that constructs an optimizer: a known class, bare or from an optimizer package. */
export function isConstructor(c: CallFact): boolean {
  return Object.hasOwn(CONSTRUCTORS, c.callee) && (!c.receiver || /optim|bnb|transformers/.test(c.receiver.text));
}

/** What a constructor call builds: SGD with a positive momentum keeps a momentum buffer. */
export function constructed(name: string, momentum: KeywordValue | undefined): Optimizer {
  const value = CONSTRUCTORS[name];
  return value === 'sgd' && momentum?.value.ok && typeof momentum.value.value === 'number' && momentum.value.value > 0 ? 'sgd_momentum' : value;
}

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
