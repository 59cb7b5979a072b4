/**
 * torchtune recipe configs, read by the keys that decide memory (recipes/configs/*.yaml and the
 * recipes that read them, pytorch/torchtune): model._component_ and its LoRA/QLoRA arguments,
 * batch_size, gradient_accumulation_steps, tokenizer.max_seq_len (or dataset.max_seq_len), dtype,
 * optimizer._component_, enable_activation_checkpointing, fsdp_cpu_offload,
 * fsdp_reshard_after_forward, and what is only noted (optimizer_in_bwd, enable_activation_offloading,
 * compile). A `tune run` line that launches the config adds its GPU count and `key=value`
 * overrides. Every value points at its key or at the launch line; recipe defaults are assumed.
 */
import { findModel } from '../../../estimator/src/catalog';
import type { FsdpConfig, Optimizer, PeftConfig, Precision, QuantizationConfig, TrainingJob } from '../../../estimator/src/types';
import { readYamlDocument, readYamlMap, type YamlMap, type YamlValue } from '../launch/yaml-lite';
import type { WorkspaceFiles } from '../workspace/files';
import { modelFromConfigJson } from './config-json';
import { CONSTRUCTORS } from './job/optimizer-names';
import { assumptionLines, formatValue } from './fields';
import type { ScriptJob } from './script-job';
import { loraTargets, torchtuneBuilder } from './torchtune-models';
import { builtInConfigMessage, findTuneRun, isBuiltInConfig, parseTuneRun, type FoundTuneRun } from './torchtune-launch';
import type { AnalysisSettings, JobField, Range, ValueInfo } from './types';
import { applyStatedYaml } from './yaml-stated';

/** A torchtune config names a torchtune model builder. */
export function isTorchtuneConfig(text: string): boolean {
  return /^\s+_component_\s*:\s*['"]?torchtune\.models\./m.test(text);
}

/** When tokenizer.max_seq_len is null, batches pad to their longest sample (padded_collate_sft): data-dependent. */
const UNKNOWN_SEQ_LEN = 2048;

export function buildTorchtuneJob(text: string, file: string, settings: AnalysisSettings, files?: WorkspaceFiles): ScriptJob {
  const { root, lines } = readYamlDocument(text);
  const launch = findTuneRun(file, files, settings.command);
  const overridden = applyOverrides(root, launch);
  const values: Partial<Record<JobField, ValueInfo>> = {};
  const assumptions: string[] = [];
  const commandRun = settings.command ? parseTuneRun(settings.command) : undefined;
  if (commandRun && isBuiltInConfig(commandRun.config)) assumptions.push(`the launch command does not run this file: ${builtInConfigMessage(commandRun)}`);

  const get = (path: string): YamlValue | undefined => resolve(root, path);
  const has = (path: string) => get(path) !== undefined && get(path) !== null;
  const textLines = text.split(/\r?\n/);
  const where = (path: string): { source?: { file: string; range: Range }; reason: string } => {
    if (overridden.has(path) && launch) return { ...(launch.origin ? { source: launch.origin } : {}), reason: `${path}=${overridden.get(path)} on the command line (${launch.label})` };
    const line = lines.get(path);
    const key = path.split('.').pop()!;
    const column = line === undefined ? 0 : Math.max(0, (textLines[line] ?? '').indexOf(key));
    return { ...(line !== undefined ? { source: { file, range: { start: { line, character: column }, end: { line, character: column + key.length } } } } : {}), reason: `${path}: ${formatValue(get(path))}` };
  };
  // keys another launch line of the same config overrides: their value depends on which line runs
  const contested = new Set(launch?.others.flatMap((r) => [...r.overrides.keys()]) ?? []);
  const known = <T>(field: JobField, path: string, value: T, reason?: string): T => {
    const at = where(path);
    const text = reason ? `${at.reason} (${reason})` : at.reason;
    values[field] = contested.has(path)
      ? { value, status: 'assumed', ...(at.source ? { source: at.source } : {}), reason: `${text} — another launch line overrides ${path}` }
      : { value, status: 'known', ...(at.source ? { source: at.source } : {}), reason: text };
    return value;
  };
  const assumed = <T>(field: JobField, value: T, reason: string): T => {
    values[field] = { value, status: 'assumed', reason };
    return value;
  };
  /** A positive whole number at `path`, or undefined. */
  const num = (path: string) => {
    const v = get(path);
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
  };
  const missing = (path: string) => (has(path) ? `${path}: ${formatValue(get(path))} is not a positive whole number` : `${path} not set`);

  const component = typeof get('model._component_') === 'string' ? get('model._component_') as string : '';
  const builder = torchtuneBuilder(component);
  const arch = (builder.id && findModel(builder.id)) || checkpointArch(get('checkpointer.checkpoint_dir'), file, files);
  if (arch) known('model', 'model._component_', builder.id && findModel(builder.id) ? builder.id : arch.id, `torchtune builder ${builder.name}`);
  else values.model = { value: builder.id ?? (component || null), status: 'unknown', ...where('model._component_'), reason: component ? `torchtune builder ${builder.name} is not in TrainLens's model catalog` : 'no model._component_' };

  const micro_batch = num('batch_size') ? known('micro_batch', 'batch_size', num('batch_size')!) : assumed('micro_batch', 1, `${missing('batch_size')} (the recipes require it); 1 assumed`);
  const grad_accum = num('gradient_accumulation_steps') ? known('grad_accum', 'gradient_accumulation_steps', num('gradient_accumulation_steps')!) : assumed('grad_accum', 1, `${missing('gradient_accumulation_steps')}; 1 assumed`);
  const seqKey = ['tokenizer.max_seq_len', 'dataset.max_seq_len'].find((k) => num(k));
  const seq_len = seqKey ? known('seq_len', seqKey, num(seqKey)!)
    : assumed('seq_len', UNKNOWN_SEQ_LEN, `tokenizer.max_seq_len is ${has('tokenizer') ? 'null' : 'not set'}: each batch is padded to its longest sample, which depends on the data; ${UNKNOWN_SEQ_LEN} assumed (set tokenizer.max_seq_len to know)`);

  const dtype = get('dtype');
  // training.get_dtype: None → fp32; bf16 makes weights, gradients, optimizer states and activations bf16 (no master copy)
  const precision: Precision = dtype === 'bf16' ? 'bf16' : dtype === 'fp16' ? 'fp16' : 'fp32';
  if (dtype === undefined || dtype === null) assumed('precision', precision, 'dtype not set: torchtune training.get_dtype defaults to fp32');
  else if (dtype !== 'bf16' && dtype !== 'fp16' && dtype !== 'fp32') assumed('precision', precision, `dtype ${formatValue(dtype)} is not bf16, fp16 or fp32; fp32 assumed`);
  else known('precision', 'dtype', precision, dtype === 'fp32' ? undefined : 'all tensors in half, no fp32 master copy');
  if (dtype === 'fp16') assumptions.push('dtype fp16: torchtune\'s recipes refuse full fp16 training ("use bf16 or fp32 instead")');

  const optimizer = readOptimizer(get('optimizer._component_'), get('optimizer.momentum'));
  if (optimizer.value) known('optimizer', 'optimizer._component_', optimizer.value);
  else assumed('optimizer', 'adamw', optimizer.reason);

  const ckpt = get('enable_activation_checkpointing') === true;
  if (has('enable_activation_checkpointing')) known('grad_checkpointing', 'enable_activation_checkpointing', ckpt);
  else assumed('grad_checkpointing', false, 'enable_activation_checkpointing not set: recipe default False');
  assumed('attention', 'sdpa', 'torchtune attention calls scaled_dot_product_attention (torchtune/modules/attention_utils.py)');

  const peft = peftOf(root, builder.lora);
  if (peft) known('peft', 'model._component_', peft, `${peft.method.toUpperCase()} r=${peft.r} on ${peft.targets.join(', ')}`);
  else values.peft = { value: null, status: 'known', ...where('model._component_'), reason: 'full fine-tuning' };
  const quantized = builder.qlora || get('model.quantize_base') === true;
  // torchao to_nf4 (torchtune/modules/peft/lora.py): NF4 blocks of 64, block scales quantized to int8 in blocks of 256
  const quantization: QuantizationConfig | undefined = quantized ? { method: 'nf4', bits: 4, double_quant: true, group_size: 64, compute_dtype: precision === 'fp32' ? 'fp32' : 'bf16', kbit_prepared: false } : undefined;
  if (quantization) known('quantization', has('model.quantize_base') ? 'model.quantize_base' : 'model._component_', quantization, 'torchao NF4');

  const gpus = gpusOf(launch, settings, values);
  const fsdp = fsdpOf(launch, settings, get, where, values);
  for (const [key, note] of NOTES) if (get(key) === true) assumptions.push(note);
  const loss = typeof get('loss._component_') === 'string' ? (get('loss._component_') as string).split('.').pop()! : '';
  if (Object.hasOwn(LOSS_NOTES, loss)) assumptions.push(LOSS_NOTES[loss]);
  if (launch?.alternatives.length) {
    // with launch lines that may disagree, what the first one sets is one possibility: assumed, not known
    for (const info of Object.values(values)) {
      if (info.status === 'known' && info.source && info.source.file === launch.origin?.file) {
        info.status = 'assumed';
        info.reason = `${info.reason ?? ''} — one of ${launch.alternatives.length + 1} launch lines`;
      }
    }
    assumptions.push(`launched by ${launch.label}; also by ${launch.alternatives.join(', ')}`);
  }

  const epochs = num('epochs');
  const perEpoch = num('max_steps_per_epoch');
  // the recipes run min(len(dataloader) // gradient_accumulation_steps, max_steps_per_epoch) optimizer steps per epoch
  if (epochs && perEpoch) assumed('total_steps', epochs * perEpoch, `at most epochs ${epochs} × max_steps_per_epoch ${perEpoch} (fewer if the dataset runs out first)`);
  const job: TrainingJob | null = arch ? {
    model: arch, micro_batch, grad_accum, seq_len, precision, amp_style: 'autocast', optimizer: optimizer.value ?? 'adamw',
    grad_checkpointing: ckpt, attention: 'sdpa', peft, gpus,
    ...(quantization ? { quantization } : {}), ...(fsdp ? { fsdp } : {}),
    ...(epochs && perEpoch ? { total_steps: epochs * perEpoch } : {}),
  } : null;
  if (job) assumptions.push(...applyStatedYaml(text, file, job, values, settings));
  assumptions.unshift(...assumptionLines(values));
  const anchors = values.model?.source ? [{ kind: 'model' as const, field: 'model' as const, range: values.model.source.range }] : [];
  return { job, values, assumptions, anchors, sites: {} };
}

/** Settings that change memory in ways the estimate does not model: said, not silently ignored. */
const NOTES: [string, string][] = [
  ['optimizer_in_bwd', 'optimizer_in_bwd: each gradient is applied and freed during backward; the estimate still counts a full set of gradients (an upper bound)'],
  ['enable_activation_offloading', 'enable_activation_offloading: activations move to CPU memory during forward; the estimate still counts them on the GPU (an upper bound)'],
  ['compile', 'compile: torch.compile is not modelled (it usually lowers activation memory)'],
];

/** torchtune/modules/loss: chunked losses keep less than the full-sequence logits the estimate counts. */
const LOSS_NOTES: Record<string, string> = {
  LinearCrossEntropyLoss: 'loss LinearCrossEntropyLoss: the output projection and cross-entropy run chunk by chunk over unmasked tokens; the estimate counts logits for the whole sequence (an upper bound)',
  CEWithChunkedOutputLoss: 'loss CEWithChunkedOutputLoss: logits are upcast to fp32 one chunk at a time; the estimate counts a whole-sequence upcast (an upper bound)',
};

function gpusOf(launch: FoundTuneRun | undefined, settings: AnalysisSettings, values: Partial<Record<JobField, ValueInfo>>): number {
  if (!launch) {
    values.gpus = { value: settings.gpus, status: 'known', reason: 'from settings' };
    return settings.gpus;
  }
  const single = /single_device/.test(launch.run.recipe);
  const gpus = single ? 1 : launch.run.gpusPerNode * launch.run.nodes;
  values.gpus = { value: gpus, status: 'known', ...(launch.origin ? { source: launch.origin } : {}), reason: `tune run ${launch.run.recipe} in ${launch.label}` };
  return gpus;
}

/**
 * The distributed recipes shard with FSDP2 (fully_shard): FULL_SHARD unless fsdp_reshard_after_forward is False
 * (SHARD_GRAD_OP); fsdp_cpu_offload offloads parameters, gradients and optimizer states (recipes/*_distributed.py).
 * Without a launch line, more than one GPU in the settings means a distributed recipe.
 */
function fsdpOf(launch: FoundTuneRun | undefined, settings: AnalysisSettings, get: (p: string) => YamlValue | undefined, where: (p: string) => { source?: { file: string; range: Range }; reason: string }, values: Partial<Record<JobField, ValueInfo>>): FsdpConfig | undefined {
  const distributed = launch ? !/single_device/.test(launch.run.recipe) && /distributed/.test(launch.run.recipe) : settings.gpus > 1;
  if (!distributed) return undefined;
  const config: FsdpConfig = { strategy: get('fsdp_reshard_after_forward') === false ? 'SHARD_GRAD_OP' : 'FULL_SHARD', cpu_offload: get('fsdp_cpu_offload') === true };
  const key = get('fsdp_cpu_offload') !== undefined ? 'fsdp_cpu_offload' : get('fsdp_reshard_after_forward') !== undefined ? 'fsdp_reshard_after_forward' : undefined;
  values.fsdp = launch
    ? { value: config, status: 'known', ...(key ? where(key) : { ...(launch.origin ? { source: launch.origin } : {}), reason: `distributed recipe ${launch.run.recipe}: FSDP FULL_SHARD` }) }
    : { value: config, status: 'assumed', reason: `${settings.gpus} GPUs: a distributed recipe (FSDP) assumed` };
  return config;
}

function readOptimizer(component: YamlValue | undefined, momentum: YamlValue | undefined): { value?: Optimizer; reason: string } {
  if (typeof component !== 'string') return { reason: 'optimizer._component_ not set: AdamW assumed' };
  const cls = component.split('.').pop()!;
  if (cls === 'SGD') return { value: typeof momentum === 'number' && momentum > 0 ? 'sgd_momentum' : 'sgd', reason: '' };
  const value = Object.hasOwn(CONSTRUCTORS, cls) ? CONSTRUCTORS[cls] : undefined;
  return value ? { value, reason: '' } : { reason: `${component} is not modelled: AdamW's states assumed` };
}

function peftOf(root: YamlMap, lora: boolean): PeftConfig | null {
  const model = typeof root.model === 'object' && root.model !== null && !Array.isArray(root.model) ? root.model : {};
  if (!lora && !('lora_attn_modules' in model)) return null;
  const num = (k: string, d: number) => (typeof model[k] === 'number' ? model[k] as number : d);
  const targets = loraTargets(stringList(model.lora_attn_modules), model.apply_lora_to_mlp === true, model.apply_lora_to_output === true);
  return { method: model.use_dora === true ? 'dora' : 'lora', r: num('lora_rank', 8), alpha: num('lora_alpha', 16), targets, dropout: num('lora_dropout', 0) };
}

/** A block list, or a flow list `['q_proj', 'v_proj']` (kept as text by the YAML reader). */
function stringList(v: YamlValue | undefined): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v !== 'string') return [];
  return v.replace(/^\[|\]$/g, '').split(',').map((s) => s.trim().replace(/^(['"])(.*)\1$/, '$2')).filter(Boolean);
}

/** A dotted path's value, with OmegaConf `${other.key}` interpolations followed (a few levels). */
function resolve(root: YamlMap, path: string, depth = 0): YamlValue | undefined {
  const value = path.split('.').reduce<YamlValue | undefined>((node, key) => (node && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined), root);
  const ref = typeof value === 'string' ? /^\$\{([\w.]+)\}$/.exec(value) : null;
  return ref && depth < 8 ? resolve(root, ref[1], depth + 1) : value;
}

/** Command-line `key=value` overrides set into the config (values read as YAML scalars, as OmegaConf does); the keys set. */
function applyOverrides(root: YamlMap, launch: FoundTuneRun | undefined): Map<string, string> {
  const set = new Map<string, string>();
  for (const [path, raw] of launch?.run.overrides ?? []) {
    const keys = path.split('.');
    let node: YamlMap = root;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node = next && typeof next === 'object' && !Array.isArray(next) ? next : (node[key] = {});
    }
    const last = keys[keys.length - 1];
    if (raw === undefined) delete node[last];
    else {
      node[last] = readYamlMap(`v: ${raw}`).v ?? raw;
      set.set(path, raw);
    }
  }
  return set;
}

/** checkpointer.checkpoint_dir, when it is a Hugging Face model folder inside the workspace. */
function checkpointArch(dir: YamlValue | undefined, file: string, files?: WorkspaceFiles) {
  if (typeof dir !== 'string' || !files) return undefined;
  const found = modelFromConfigJson(dir, file, files);
  return found.ok ? found.arch : undefined;
}
