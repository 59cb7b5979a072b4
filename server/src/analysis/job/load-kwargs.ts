/**
 * Loading settings written in a dict of `from_pretrained` keyword arguments instead of in the call
 * that loads the model: transformers `pipeline(model_kwargs={...})` (passed along to the model's
 * `from_pretrained`, transformers pipelines/__init__.py) and TRL `model_init_kwargs` (on the
 * trainer or its config: the keyword arguments of `from_pretrained` when `model=` is a hub id,
 * trl sft_trainer.py).
 */
import { isDict, isDtype, type PyDict } from '../../python/evaluate';
import { keyword, type KeywordValue } from '../../python/call-args';
import { DTYPE_STRINGS, type ModelSource } from '../model-source';
import type { JobContext } from './context';

export function applyLoadKwargs(ctx: JobContext, model: ModelSource | undefined): void {
  if (!model || (model.loadDtype && model.attention)) return;
  const found = loadKwargs(ctx, model);
  if (!found) return;
  const { dict, via } = found;
  const entry = (key: string): KeywordValue | undefined => {
    const node = dict.entries.get(key);
    const value = ctx.ev.lookup(dict, key);
    if (!value) return undefined;
    return { site: node?.parent ?? value.node, value: value.ok ? { ...value, via: [via, ...value.via] } : value };
  };
  const dtype = model.loadDtype ? undefined : entry('torch_dtype') ?? entry('dtype');
  const name = dtype?.value.ok ? (isDtype(dtype.value.value) ? dtype.value.value.name : DTYPE_STRINGS[String(dtype.value.value)]) : undefined;
  if (dtype && name) model.loadDtype = { name, site: dtype };
  model.attention ??= entry('attn_implementation');
}

/** The dict of loading keyword arguments for a model given by id to a pipeline or a TRL trainer. */
function loadKwargs(ctx: JobContext, model: ModelSource): { dict: PyDict; via: string } | undefined {
  const isPipeline = model.call.callee === 'pipeline';
  if (!isPipeline && !model.call.callee.endsWith('Trainer')) return undefined;
  const key = isPipeline ? 'model_kwargs' : 'model_init_kwargs';
  const arg = keyword(ctx.ev, model.call, key) ?? (isPipeline ? undefined : ctx.taKeyword(key));
  if (!arg?.value.ok || !isDict(arg.value.value)) return undefined;
  return { dict: arg.value.value, via: `${key} (line ${arg.site.startPosition.row + 1})` };
}
