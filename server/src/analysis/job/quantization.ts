/**
 * Weight quantization at load time: bitsandbytes `BitsAndBytesConfig` (or the deprecated
 * `load_in_8bit=`/`load_in_4bit=` keywords), `GPTQConfig`, `AwqConfig`; and QLoRA's
 * `prepare_model_for_kbit_training`. Defaults are bitsandbytes' (transformers
 * utils/quantization_config.py): quant type "fp4", compute dtype float32, no double quantization.
 */
import type { QuantizationConfig } from '../../../../estimator/src/types';
import { callsNamed, type CallFact } from '../../python/facts';
import { isDtype } from '../../python/evaluate';
import { keyword } from '../../python/call-args';
import type { ModelSource } from '../model-source';
import type { JobContext } from './context';

export function quantization(ctx: JobContext, model: ModelSource | undefined): QuantizationConfig | undefined {
  const kbit_prepared = callsNamed(ctx.facts, 'prepare_model_for_kbit_training').length > 0;
  const bnb = callsNamed(ctx.facts, 'BitsAndBytesConfig')[0];
  const flag = (call: CallFact | undefined, name: string) => {
    const v = call && keyword(ctx.ev, call, name);
    return !!v?.value.ok && v.value.value === true;
  };
  const str = (call: CallFact, name: string) => {
    const v = keyword(ctx.ev, call, name);
    return v?.value.ok && typeof v.value.value === 'string' ? v.value.value : undefined;
  };
  const dtype = (call: CallFact, name: string): QuantizationConfig['compute_dtype'] => {
    const v = keyword(ctx.ev, call, name);
    const n = v?.value.ok && isDtype(v.value.value) ? v.value.value.name : v?.value.ok && typeof v.value.value === 'string' ? v.value.value : 'float32';
    return n === 'bfloat16' ? 'bf16' : n === 'float16' ? 'fp16' : 'fp32';
  };
  const load = model?.call;
  let q: QuantizationConfig | undefined;
  let site = bnb?.call;
  if (flag(bnb, 'load_in_4bit') || (!bnb && flag(load, 'load_in_4bit'))) {
    const type = bnb ? str(bnb, 'bnb_4bit_quant_type') ?? 'fp4' : 'fp4';
    q = { method: type === 'nf4' ? 'nf4' : 'fp4', bits: 4, double_quant: !!bnb && flag(bnb, 'bnb_4bit_use_double_quant'),
      group_size: 64, compute_dtype: bnb ? dtype(bnb, 'bnb_4bit_compute_dtype') : 'fp32', kbit_prepared };
  } else if (flag(bnb, 'load_in_8bit') || (!bnb && flag(load, 'load_in_8bit'))) {
    q = { method: 'int8', bits: 8, double_quant: false, compute_dtype: 'fp16', kbit_prepared };
  } else {
    const gptq = callsNamed(ctx.facts, 'GPTQConfig', 'AwqConfig')[0];
    if (!gptq) return undefined;
    site = gptq.call;
    const bits = keyword(ctx.ev, gptq, 'bits');
    const group = keyword(ctx.ev, gptq, 'group_size');
    q = { method: gptq.callee === 'GPTQConfig' ? 'gptq' : 'awq', bits: bits?.value.ok && bits.value.value === 8 ? 8 : 4, double_quant: false,
      group_size: group?.value.ok && typeof group.value.value === 'number' ? group.value.value : 128, compute_dtype: 'fp16', kbit_prepared };
  }
  if (!q) return undefined;
  ctx.knownAt('quantization', q, site ?? load!.call, q.method === 'fp4' && bnb && !str(bnb, 'bnb_4bit_quant_type') ? 'bnb_4bit_quant_type not set: bitsandbytes default "fp4"' : undefined);
  return q;
}
