/**
 * YAML-driven trainers, read by the keys that decide memory: axolotl configs (`base_model`,
 * `micro_batch_size`, `sequence_len` default 512, `adapter`, `load_in_4bit`, `fsdp`/`fsdp_config`, ...;
 * axolotl utils/schemas/config.py) and LLaMA-Factory configs (`model_name_or_path` + `finetuning_type`/`stage`;
 * its hparams dataclasses: finetuning_type default lora, cutoff_len default 2048, lora_rank 8, lora_alpha
 * default 2·rank, quantization_bit, pure_bf16). torchtune recipe configs are read by torchtune-job.ts.
 * Every value points at its key's line; defaults are reported as assumed. Values the keys decide are reported
 * whether or not the model is known (without one there is no job, but the values stand).
 */
import { findModel } from '../../../estimator/src/catalog';
import type { AmpStyle, Attention, Optimizer, PeftConfig, Precision, QuantizationConfig, TrainingJob } from '../../../estimator/src/types';
import { trainerFsdp } from '../accelerate/trainer-fsdp';
import { interpretDeepSpeedConfig, type JsonValue } from '../deepspeed/interpret';
import { readYamlDocument, type YamlMap, type YamlValue } from '../launch/yaml-lite';
import type { WorkspaceFiles } from '../workspace/files';
import { modelFromConfigJson } from './config-json';
import { assumptionLines, formatValue } from './fields';
import { ampStyleInfo } from './job/amp-style';
import { lossScaleOf, stripJsonComments } from './job/deepspeed';
import { HF_NAMES } from './job/optimizer-names';
import type { ScriptJob } from './script-job';
import { buildTorchtuneJob, isTorchtuneConfig } from './torchtune-job';
import { applyStatedYaml, statedLauncher } from './yaml-stated';
import { settleAcrossLaunchers } from '../launch/agreement';
import type { FoundLaunch } from '../launch/discover';
import { applyOverrides, applyTrainerLaunch } from '../launch/trainer-apply';
import { findTrainerLaunch } from '../launch/trainer-launch';
import type { AnalysisSettings, JobField, Range, ValueInfo } from './types';

type Flavour = 'axolotl' | 'llamafactory';

export function isTrainerYaml(text: string): boolean {
  return /^base_model\s*:/m.test(text) || (/^model_name_or_path\s*:/m.test(text) && /^(finetuning_type|stage)\s*:/m.test(text)) || isTorchtuneConfig(text);
}

export function buildYamlJob(text: string, file: string, settings: AnalysisSettings, files?: WorkspaceFiles): ScriptJob {
  if (isTorchtuneConfig(text)) return buildTorchtuneJob(text, file, settings, files);
  const flavour: Flavour = /^base_model\s*:/m.test(text) ? 'axolotl' : 'llamafactory';
  const found = findTrainerLaunch(file, files, flavour, settings.command, statedLauncher(text));
  const read = readTrainerYaml(text, file, flavour, settings, files, found.launch);
  const { launch } = found;
  if (launch?.alternatives.length) {
    // the config read again under each other launch line (which has no alternatives: no recursion), before the stated values
    settleAcrossLaunchers(read.values, launch, (other) => readTrainerYaml(text, file, flavour, settings, files, other));
    read.notes.push(`launched by ${launch.label}; also by ${launch.alternatives.join(', ')} (pick one with a "# trainlens: launcher=<file>" comment)`);
  }
  const { job, values } = read;
  const problems = applyStatedYaml(text, file, job, values, settings);
  const assumptions = assumptionLines(values);
  assumptions.push(...problems, ...read.notes);
  if (found.note) assumptions.push(found.note);
  const anchors = [...values.model?.source ? [{ kind: 'model' as const, field: 'model' as const, range: values.model.source.range }] : []];
  return { job, values, assumptions, anchors, sites: {} };
}

/** The config's keys, with the launch line's overrides over them, and what the launch adds; before stated values. */
function readTrainerYaml(text: string, file: string, flavour: Flavour, settings: AnalysisSettings, files: WorkspaceFiles | undefined, launch: FoundLaunch | undefined): { job: TrainingJob | null; values: Partial<Record<JobField, ValueInfo>>; notes: string[] } {
  const { root, lines } = readYamlDocument(text);
  const values: Partial<Record<JobField, ValueInfo>> = {};
  const notes: string[] = [];
  const overridden = applyOverrides(root, launch, notes);
  const onLine = (key: string) => overridden.has(key) && launch ? { ...(launch.origin ? { source: launch.origin } : {}), reason: `${key}=${overridden.get(key)} on the command line (${launch.label})` } : undefined;
  const at = (key: string): { file: string; range: Range } | undefined => {
    if (overridden.has(key)) return onLine(key)?.source;
    const line = lines.get(key);
    return line === undefined ? undefined : { file, range: { start: { line, character: 0 }, end: { line, character: key.length } } };
  };
  const sourceOf = (key: string) => {
    const source = at(key);
    return source ? { source } : {};
  };
  const set = <T>(field: JobField, key: string | undefined, value: T, fallbackReason?: string): T => {
    const source = key ? at(key) : undefined;
    values[field] = key && key in root
      ? { value, status: 'known', ...(source ? { source } : {}), reason: onLine(key)?.reason ?? `${key}: ${formatValue(root[key])}` }
      : { value, status: 'assumed', reason: fallbackReason ?? 'not set' };
    return value;
  };
  const get = (key: string): YamlValue | undefined => root[key];
  const num = (key: string) => (typeof get(key) === 'number' ? get(key) as number : undefined);
  const names = flavour === 'axolotl'
    ? { model: 'base_model', micro: 'micro_batch_size', seq: 'sequence_len', optim: 'optimizer' }
    : { model: 'model_name_or_path', micro: 'per_device_train_batch_size', seq: 'cutoff_len', optim: 'optim' };

  const modelId = typeof get(names.model) === 'string' ? get(names.model) as string : undefined;
  const arch = modelId ? findModel(modelId) ?? (files ? lookupConfig(modelId, file, files) : undefined) : undefined;
  values.model = modelId && arch
    ? { value: modelId, status: 'known', source: at(names.model), reason: onLine(names.model)?.reason ?? `${names.model} (${flavour} config)` }
    : { value: modelId ?? null, status: 'unknown', source: at(names.model), reason: modelId ? `"${modelId}" is not in TrainLens's model catalog` : `no ${names.model}` };

  const micro_batch = set('micro_batch', num(names.micro) ? names.micro : undefined, num(names.micro) ?? (flavour === 'axolotl' ? 1 : 8), flavour === 'axolotl' ? 'axolotl default micro_batch_size=1' : 'TrainingArguments default per_device_train_batch_size=8');
  const grad_accum = set('grad_accum', num('gradient_accumulation_steps') ? 'gradient_accumulation_steps' : undefined, num('gradient_accumulation_steps') ?? 1, 'default 1');
  const seqDefault = flavour === 'axolotl' ? 512 : 2048;
  const seq_len = set('seq_len', num(names.seq) ? names.seq : undefined, num(names.seq) ?? seqDefault, `${flavour === 'axolotl' ? 'axolotl' : 'LLaMA-Factory'} default ${names.seq}=${seqDefault}`);

  // a DeepSpeed file named on the command line is found from where the line runs
  const ds = deepspeedOf(get('deepspeed'), overridden.has('deepspeed') && launch?.origin ? launch.origin.file : file, files);
  const fsdp = ds?.zero ? undefined : trainerFsdp(root);
  const half = truthy(get('bf16')) ? 'bf16' : truthy(get('fp16')) ? 'fp16' : undefined;
  // LLaMA-Factory pure_bf16: bf16 weights trained as they are, without AMP (FinetuningArguments.pure_bf16).
  const pure = flavour === 'llamafactory' && get('pure_bf16') === true;
  const precision: Precision = pure ? 'bf16' : half ? `${half}-mixed` : 'fp32';
  set('precision', pure ? 'pure_bf16' : half === 'bf16' ? 'bf16' : half === 'fp16' ? 'fp16' : undefined, precision, 'no bf16/fp16: fp32');
  if (get('bf16') === 'auto') values.precision!.reason = 'bf16: auto (bf16 where the GPU supports it)';
  const amp = ampStyleOf(ds !== undefined && !ds.problem, fsdp !== undefined, pure, half);
  values.amp_style = ampStyleInfo(values.precision!, precision, amp.style, amp.how);

  const written = get(names.optim);
  const optimName = typeof written === 'string' && Object.hasOwn(HF_NAMES, written) ? written : undefined;
  const optimizer: Optimizer = set('optimizer', optimName && HF_NAMES[optimName] ? names.optim : undefined, (optimName && HF_NAMES[optimName]) || 'adamw', 'TrainingArguments default optim="adamw_torch"');

  const ckptKey = flavour === 'axolotl' ? 'gradient_checkpointing' : 'disable_gradient_checkpointing';
  // axolotl's "offload"/"unsloth" checkpoint too, and move the saved activations to the CPU (counted as plain checkpointing)
  const ckpt = flavour === 'axolotl' ? truthy(get(ckptKey)) || get(ckptKey) === 'offload' || get(ckptKey) === 'unsloth' : !truthy(get(ckptKey));
  set('grad_checkpointing', ckptKey in root ? ckptKey : undefined, ckpt, flavour === 'axolotl' ? 'axolotl default off' : 'LLaMA-Factory enables gradient checkpointing unless disable_gradient_checkpointing');
  if (fsdp?.checkpointing?.value && !ckpt) values.grad_checkpointing = { value: true, status: 'known', ...sourceOf(fsdp.checkpointing.key), reason: `${fsdp.checkpointing.key}: true (accelerate checkpoints each wrapped layer)` };
  const grad_checkpointing = values.grad_checkpointing!.value as boolean;

  const attention = attentionOf(root, flavour);
  set('attention', attention.key, attention.value, 'transformers default SDPA');

  const peft = peftOf(root, flavour);
  const peftKey = flavour === 'axolotl' ? 'adapter' : 'finetuning_type';
  values.peft = flavour === 'llamafactory' && !(peftKey in root)
    ? { value: peft, status: 'assumed', reason: 'no finetuning_type: LLaMA-Factory default lora' }
    : peft ? { value: peft, status: 'known', source: at(peftKey) } : { value: null, status: 'known', reason: 'full fine-tuning' };
  const quantization = quantOf(root, flavour, half);
  if (quantization) values.quantization = { value: quantization, status: 'known', source: at(flavour === 'axolotl' ? (get('load_in_4bit') ? 'load_in_4bit' : 'load_in_8bit') : 'quantization_bit') };

  const body: Omit<TrainingJob, 'model'> = {
    micro_batch, grad_accum, seq_len, precision,
    amp_style: amp.style, optimizer, grad_checkpointing, attention: attention.value, peft, gpus: settings.gpus,
    ...(quantization ? { quantization } : {}), ...(ds?.zero ? { zero: ds.zero } : {}), ...(ds?.lossScale ? { loss_scale: ds.lossScale } : {}),
    ...(fsdp ? { fsdp: fsdp.value } : {}), ...(typeof get('tf32') === 'boolean' ? { tf32: get('tf32') as boolean } : {}),
  };
  if (ds?.zero) values.zero = { value: ds.zero, status: 'known', source: at('deepspeed'), reason: onLine('deepspeed')?.reason ?? `DeepSpeed config ${String(get('deepspeed'))}` };
  if (fsdp) values.fsdp = { value: fsdp.value, status: 'known', ...sourceOf(fsdp.key), reason: onLine(fsdp.key)?.reason ?? fsdp.reason };
  values.gpus = { value: settings.gpus, status: 'known', reason: 'from settings' };
  if (launch) applyTrainerLaunch(values, body, launch, { files, file, settings }, notes);
  if (ds?.problem) notes.push(ds.problem);
  return { job: arch ? { model: { ...arch, id: modelId! }, ...body } : null, values, notes };
}

/** How the half precision is applied: DeepSpeed's engine and FSDP keep half parameters over an fp32 master copy, the Trainer alone autocasts. */
function ampStyleOf(deepspeed: boolean, fsdp: boolean, pure: boolean, half: 'bf16' | 'fp16' | undefined): { style: AmpStyle; how: string } {
  if (pure) return { style: 'autocast', how: 'pure_bf16: bf16 weights trained without AMP' };
  if (!half) return { style: 'autocast', how: 'no bf16/fp16 flag' };
  if (deepspeed) return { style: 'master_weights', how: `DeepSpeed's engine under the Trainer (${half})` };
  if (fsdp) return { style: 'master_weights', how: 'FSDP MixedPrecision policy over fp32 sharded parameters' };
  return { style: 'autocast', how: `the Trainer runs the forward under torch.autocast (${half})` };
}

function truthy(v: YamlValue | undefined): boolean {
  return v === true || v === 'true' || v === 'auto';
}

function lookupConfig(id: string, file: string, files: WorkspaceFiles) {
  const found = modelFromConfigJson(id, file, files);
  return found.ok ? found.arch : undefined;
}

const AXOLOTL_ATTENTION: Record<string, Attention> = { flash: 'flash', flash_attention_2: 'flash', sdpa: 'sdpa', eager: 'eager' };

function attentionOf(root: YamlMap, flavour: Flavour): { key?: string; value: Attention } {
  if (flavour === 'axolotl') {
    // newer axolotl names the backend in `attention` (flash, sdpa, eager, ...); older configs set one boolean each
    const named = String(root.attention);
    if (Object.hasOwn(AXOLOTL_ATTENTION, named)) return { key: 'attention', value: AXOLOTL_ATTENTION[named] };
    if (root.flash_attention === true) return { key: 'flash_attention', value: 'flash' };
    if (root.sdp_attention === true) return { key: 'sdp_attention', value: 'sdpa' };
    return { value: 'sdpa' };
  }
  const fa = root.flash_attn;
  if (fa === 'fa2') return { key: 'flash_attn', value: 'flash' };
  if (fa === 'disabled' || fa === 'off') return { key: 'flash_attn', value: 'eager' };
  if (fa === 'sdpa') return { key: 'flash_attn', value: 'sdpa' };
  return { value: 'sdpa' };
}

function strings(v: YamlValue | undefined): string[] | undefined {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

function peftOf(root: YamlMap, flavour: Flavour): PeftConfig | null {
  const num = (k: string, d: number) => (typeof root[k] === 'number' ? root[k] as number : d);
  if (flavour === 'axolotl') {
    if (root.adapter !== 'lora' && root.adapter !== 'qlora') return null;
    const targets = root.lora_target_linear === true ? ['all-linear'] : strings(root.lora_target_modules) ?? ['q_proj', 'v_proj'];
    return { method: 'lora', r: num('lora_r', 8), alpha: num('lora_alpha', 16), targets, dropout: num('lora_dropout', 0) };
  }
  if ((root.finetuning_type ?? 'lora') !== 'lora') return null;
  const r = num('lora_rank', 8);
  const target = strings(root.lora_target) ?? ['all'];
  return { method: 'lora', r, alpha: num('lora_alpha', 2 * r), targets: target.includes('all') ? ['all-linear'] : target, dropout: num('lora_dropout', 0) };
}

function quantOf(root: YamlMap, flavour: Flavour, half: 'bf16' | 'fp16' | undefined): QuantizationConfig | undefined {
  const compute = half ?? 'fp32';
  const bits = flavour === 'axolotl' ? (root.load_in_4bit === true ? 4 : root.load_in_8bit === true ? 8 : undefined) : (root.quantization_bit === 4 ? 4 : root.quantization_bit === 8 ? 8 : undefined);
  if (!bits) return undefined;
  if (bits === 8) return { method: 'int8', bits: 8, double_quant: false, compute_dtype: 'fp16', kbit_prepared: true };
  // axolotl and LLaMA-Factory both load 4-bit as NF4 with double quantization by default.
  const type = flavour === 'llamafactory' && root.quantization_type === 'fp4' ? 'fp4' : 'nf4';
  const double = flavour === 'llamafactory' ? root.double_quantization !== false : true;
  return { method: type, bits: 4, double_quant: double, group_size: 64, compute_dtype: compute, kbit_prepared: true };
}

function deepspeedOf(ref: YamlValue | undefined, file: string, files?: WorkspaceFiles) {
  if (typeof ref !== 'string' || !ref) return undefined;
  if (!files) return { problem: `DeepSpeed config ${ref} not read (no workspace access)` };
  const read = files.read(ref, file);
  if (!read.ok) return { problem: `DeepSpeed config ${read.reason}` };
  try {
    const parsed = JSON.parse(stripJsonComments(read.text)) as JsonValue;
    return { zero: interpretDeepSpeedConfig(parsed).zero, lossScale: lossScaleOf(parsed) };
  } catch (err) {
    return { problem: `DeepSpeed config ${ref} is not valid JSON: ${(err as Error).message}` };
  }
}
