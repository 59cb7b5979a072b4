/**
 * Weight quantization at load time: bitsandbytes `BitsAndBytesConfig` (or the deprecated
 * `load_in_8bit=`/`load_in_4bit=` keywords), a library's `get_quantization_config(model_args)`
 * (library-quantization.ts), `GPTQConfig`, `AwqConfig`; and QLoRA's `prepare_model_for_kbit_training`.
 * Defaults are bitsandbytes' (transformers utils/quantization_config.py): quant type "fp4", compute
 * dtype float32, no double quantization.
 */
import type { QuantizationConfig } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import { hasAssumedStep, isDtype } from '../../python/evaluate';
import { keyword, type KeywordValue } from '../../python/call-args';
import { assumed } from '../values';
import type { ModelSource } from '../model-source';
import type { JobContext } from './context';
import { libraryQuantization, type BnbSettings } from './library-quantization';

export function quantization(ctx: JobContext, model: ModelSource | undefined): QuantizationConfig | undefined {
  const kbit_prepared = callsNamed(ctx.facts, 'prepare_model_for_kbit_training').length > 0;
  const written = callsNamed(ctx.facts, 'BitsAndBytesConfig')[0];
  const bnb: BnbSettings | undefined = written ? { call: written, read: (name) => keyword(ctx.ev, written, name) } : libraryQuantization(ctx);
  const used: KeywordValue[] = [];
  const unread: string[] = [];
  const read = (name: string) => {
    const v = bnb?.read(name);
    if (v?.value.ok) used.push(v);
    else if (v && !v.value.ok) unread.push(`${name}: ${v.value.reason}`);
    return v;
  };
  const flag = (name: string, fromLoad = false) => {
    const v = fromLoad ? model?.call && keyword(ctx.ev, model.call, name) : read(name);
    return !!v?.value.ok && v.value.value === true;
  };
  const str = (name: string) => {
    const v = read(name);
    return v?.value.ok && typeof v.value.value === 'string' ? v.value.value : undefined;
  };
  const dtype = (name: string): QuantizationConfig['compute_dtype'] => {
    const v = read(name);
    const n = v?.value.ok && isDtype(v.value.value) ? v.value.value.name : v?.value.ok && typeof v.value.value === 'string' ? v.value.value : 'float32';
    return n === 'bfloat16' ? 'bf16' : n === 'float16' ? 'fp16' : 'fp32';
  };
  const load = model?.call;
  let q: QuantizationConfig | undefined;
  let site = bnb?.call.call;
  if (flag('load_in_4bit') || (!bnb && flag('load_in_4bit', true))) {
    const type = bnb ? str('bnb_4bit_quant_type') ?? 'fp4' : 'fp4';
    q = { method: type === 'nf4' ? 'nf4' : 'fp4', bits: 4, double_quant: !!bnb && flag('bnb_4bit_use_double_quant'),
      group_size: 64, compute_dtype: bnb ? dtype('bnb_4bit_compute_dtype') : 'fp32', kbit_prepared };
  } else if (flag('load_in_8bit') || (!bnb && flag('load_in_8bit', true))) {
    q = { method: 'int8', bits: 8, double_quant: false, compute_dtype: 'fp16', kbit_prepared };
  } else {
    const gptq = callsNamed(ctx.facts, 'GPTQConfig', 'AwqConfig')[0];
    if (!gptq) {
      // `load_in_4bit=<unread>`: maybe quantized; the estimate's full-precision weights are only assumed.
      if (unread.length && bnb) ctx.values.quantization = assumed(null, unread.join('; '), ctx.file, bnb.call.call);
      return undefined;
    }
    site = gptq.call;
    const bits = keyword(ctx.ev, gptq, 'bits');
    const group = keyword(ctx.ev, gptq, 'group_size');
    q = { method: gptq.callee === 'GPTQConfig' ? 'gptq' : 'awq', bits: bits?.value.ok && bits.value.value === 8 ? 8 : 4, double_quant: false,
      group_size: group?.value.ok && typeof group.value.value === 'number' ? group.value.value : 128, compute_dtype: 'fp16', kbit_prepared };
  }
  const notes = [
    ...unread.map((u) => `${u}; bitsandbytes default assumed`),
    ...(q.method === 'fp4' && written && !str('bnb_4bit_quant_type') ? ['bnb_4bit_quant_type not set: bitsandbytes default "fp4"'] : []),
    ...(bnb?.label ? [`${bnb.label}: ${used.flatMap((v) => (v.value.ok ? [v.value.via.join(' → ')] : [])).join('; ')}`] : []),
  ];
  const node = site ?? load!.call;
  // A library helper's settings may rest on its dataclass defaults: then the whole config is only assumed.
  if (unread.length || used.some((v) => v.value.ok && hasAssumedStep(v.value.via))) ctx.values.quantization = assumed(q, notes.join('; '), ctx.file, node);
  else ctx.knownAt('quantization', q, node, notes.join('; ') || undefined);
  return q;
}
