/**
 * Precision, from the most specific evidence to the least: a DeepSpeed config with fp16/bf16
 * (half weights + fp32 master copy), a half-precision load or cast of the model (pure half), an
 * FSDP MixedPrecision policy, `bf16=`/`fp16=` training arguments or torch autocast (autocast over
 * fp32 weights), TRL's default. The style is reported beside it (`values.amp_style`, amp-style.ts).
 */
import type { AmpStyle, Precision } from '../../../../estimator/src/types';
import { callsNamed } from '../../python/facts';
import { isDtype } from '../../python/evaluate';
import { keyword } from '../../python/call-args';
import { modelCasts, type ModelSource } from '../model-source';
import { assumed, known, rangeOf } from '../values';
import { ampStyleInfo } from './amp-style';
import type { JobContext } from './context';
import type { DeepSpeedSource } from './deepspeed';
import { fsdpMixedPrecision } from './distributed';

export interface PrecisionChoice { precision: Precision; amp_style: AmpStyle }

const half = (name: string | undefined) => (name === 'bfloat16' ? 'bf16' : name === 'float16' ? 'fp16' : undefined);

/** The precision and its style; `values.precision` and `values.amp_style` with their provenance. */
export function precision(ctx: JobContext, model: ModelSource | undefined, ds: DeepSpeedSource | undefined, quantized: boolean): PrecisionChoice {
  const { how, ...choice } = readPrecision(ctx, model, ds, quantized);
  ctx.values.amp_style = ampStyleInfo(ctx.values.precision!, choice.precision, choice.amp_style, how);
  return choice;
}

/** `how`: why the evidence means this style (the library mechanism), for `values.amp_style`. */
function readPrecision(ctx: JobContext, model: ModelSource | undefined, ds: DeepSpeedSource | undefined, quantized: boolean): PrecisionChoice & { how: string } {
  if (ds?.settings.half) {
    ctx.values.precision = { value: `${ds.settings.half}-mixed`, status: 'known', source: ds.source, reason: `DeepSpeed ${ds.settings.half} enabled (${ds.label}): half weights with fp32 master weights` };
    // deepspeed/runtime/engine.py casts the module to half; its FP16/BF16 and ZeRO optimizers hold the fp32 copy
    return { precision: `${ds.settings.half}-mixed`, amp_style: 'master_weights', how: `DeepSpeed ${ds.settings.half} section (${ds.label}), not autocast` };
  }
  const cast = modelCasts(ctx.facts, ctx.ev);
  const loadHalf = half(cast?.name ?? model?.loadDtype?.name);
  if (loadHalf && !quantized) {
    const node = cast?.node ?? model!.loadDtype!.site.site;
    ctx.knownAt('precision', loadHalf, node, 'model weights in half precision (no fp32 master copy)');
    return { precision: loadHalf, amp_style: 'autocast', how: `pure ${loadHalf} weights, neither autocast nor an fp32 master copy` };
  }
  const policy = fsdpMixedPrecision(ctx);
  if (policy) {
    // fp32 sharded parameters act as the master copy; the gathered parameters and the activations are
    // half: the memory of master_weights (README conventions: bf16-mixed, neither AMP style exactly).
    ctx.anchors.push({ kind: 'argument', field: 'precision', range: rangeOf(policy.site) });
    ctx.knownAt('precision', `${policy.half}-mixed`, policy.site, policy.reason);
    return { precision: `${policy.half}-mixed`, amp_style: 'master_weights', how: 'FSDP MixedPrecision policy over fp32 sharded parameters' };
  }
  const bf16 = ctx.taKeyword('bf16');
  const fp16 = ctx.taKeyword('fp16');
  for (const [flag, h] of [[bf16, 'bf16'], [fp16, 'fp16']] as const) {
    if (flag?.value.ok && flag.value.value === true) {
      ctx.anchors.push({ kind: 'argument', field: 'precision', range: rangeOf(flag.site) });
      // With a DeepSpeed config whose precision block says "auto", HF fills it from this flag and
      // DeepSpeed's engine then keeps half weights with an fp32 master copy (transformers integrations/deepspeed.py).
      // A config named but not read (outside the workspace) is still DeepSpeed's engine: the Trainer hands it the
      // precision through accelerate's DeepSpeedPlugin.set_mixed_precision, which adds the enabled block.
      const unread = !ds && !!ctx.taKeyword('deepspeed')?.value.ok;
      const amp_style = ds?.settings.half_auto || unread ? 'master_weights' : 'autocast';
      const why = ds?.settings.half_auto ? `${h}=True fills the DeepSpeed config's "auto" (${ds.label})`
        : unread ? `${h}=True under DeepSpeed (config not read): half weights with fp32 master weights` : undefined;
      ctx.values.precision = { ...known(ctx.file, `${h}-mixed`, flag.value), ...(why ? { reason: why } : {}) };
      const how = amp_style === 'autocast' ? `the Trainer runs the forward under torch.autocast (${h}=True)` : `DeepSpeed's engine under the Trainer (${h}=True)`;
      return { precision: `${h}-mixed`, amp_style, how };
    }
  }
  const accelerator = callsNamed(ctx.facts, 'Accelerator')[0];
  const mixed = accelerator && keyword(ctx.ev, accelerator, 'mixed_precision');
  if (mixed?.value.ok && (mixed.value.value === 'bf16' || mixed.value.value === 'fp16')) {
    ctx.values.precision = known(ctx.file, `${mixed.value.value}-mixed`, mixed.value);
    // accelerate's prepare_model wraps the forward in torch.autocast when mixed_precision is fp16/bf16
    return { precision: `${mixed.value.value}-mixed`, amp_style: 'autocast', how: `Accelerator(mixed_precision="${mixed.value.value}") wraps the forward in torch.autocast` };
  }
  if (ctx.isTrl && !(bf16?.value.ok && bf16.value.value === false) && !(fp16?.value.ok && fp16.value.value === true)) {
    ctx.values.precision = assumed('bf16-mixed', 'TRL default bf16 = not fp16');
    return { precision: 'bf16-mixed', amp_style: 'autocast', how: "TRL's default bf16: the Trainer runs the forward under torch.autocast" };
  }
  const autocast = callsNamed(ctx.facts, 'autocast')[0];
  if (autocast) {
    const dtype = keyword(ctx.ev, autocast, 'dtype');
    const h = dtype?.value.ok && isDtype(dtype.value.value) ? half(dtype.value.value.name) : 'fp16';
    if (h) {
      ctx.knownAt('precision', `${h}-mixed`, autocast.call, 'torch autocast over fp32 weights');
      return { precision: `${h}-mixed`, amp_style: 'autocast', how: 'torch autocast in the script' };
    }
  }
  if (loadHalf) {
    ctx.knownAt('precision', loadHalf, cast?.node ?? model!.loadDtype!.site.site, 'non-quantized weights in half precision');
    return { precision: loadHalf, amp_style: 'autocast', how: `pure ${loadHalf} non-quantized weights` };
  }
  ctx.values.precision = assumed('fp32', 'no bf16/fp16 flag, autocast or half-precision cast found', ctx.file, ctx.trainingArgs?.call);
  return { precision: 'fp32', amp_style: 'autocast', how: 'fp32 throughout (no bf16/fp16 flag, autocast or half-precision cast found)' };
}

/** fp16 loss scaling: torch GradScaler, or fp16 mixed precision (the Trainer and DeepSpeed scale fp16 losses). */
export function gradScaler(ctx: JobContext, choice: PrecisionChoice): boolean {
  const scaler = callsNamed(ctx.facts, 'GradScaler', 'ShardedGradScaler')[0];
  const enabled = scaler && keyword(ctx.ev, scaler, 'enabled')?.value;
  if (scaler) return !(enabled?.ok && enabled.value === false); // GradScaler(enabled=False) passes losses through unscaled
  return choice.precision === 'fp16-mixed';
}
