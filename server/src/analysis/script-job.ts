/**
 * From the facts of a Python training script to a TrainingJob, field by field, each with its
 * provenance: Hugging Face `TrainingArguments`/TRL `SFTConfig`, PEFT `LoraConfig`, and the pieces
 * of a plain PyTorch loop (DataLoader, torch.optim, autocast, casts). Defaults are those of the
 * libraries (see ../../../shared reference: transformers training_args.py, trl sft_config.py,
 * peft lora/config.py) and are reported as assumed.
 */
import type { Node } from 'web-tree-sitter';
import type { Attention, Optimizer, PeftConfig, Precision, TrainingJob } from '../../../estimator/src/types';
import { callsNamed, type CallFact, type PythonFacts } from '../python/facts';
import { isDict, isDtype, type Evaluator, type PyValue } from '../python/evaluate';
import { keyword, type KeywordValue } from '../python/call-args';
import { findModelSource, modelCasts, type ModelSource } from './model-source';
import { assumed, known, unknownValue } from './values';
import type { AnalysisSettings, HoverAnchor, JobField, ValueInfo } from './types';
import { rangeOf } from './values';

export const TRAINING_ARGS = ['TrainingArguments', 'Seq2SeqTrainingArguments', 'SFTConfig'];

/** Where the fixes edit and where the OOM diagnostic lands. */
export interface JobSites {
  model?: ModelSource;
  trainingArgs?: CallFact;
  gradCheckpointing?: KeywordValue;
  microBatch?: KeywordValue;
}

export interface ScriptJob {
  job: TrainingJob | null;
  values: Partial<Record<JobField, ValueInfo>>;
  assumptions: string[];
  anchors: HoverAnchor[];
  sites: JobSites;
}

const TORCH_OPTIMIZERS = /^(AdamW|Adam|SGD)$/;

const SEQ_LEN_NAMES = /^(block(_size)?|seq(uence)?_?len(gth)?|max_(seq_?)?len(gth)?|context_(len|length|window))$/i;

/** Per-family default LoRA targets (peft utils/constants.py TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
const LORA_DEFAULT_TARGETS: Record<string, string[]> = { gpt2: ['c_attn'], llama: ['q_proj', 'v_proj'], opt: ['q_proj', 'v_proj'] };

export function buildScriptJob(facts: PythonFacts, evaluator: Evaluator, file: string, settings: AnalysisSettings): ScriptJob {
  const b = new JobBuilder(facts, evaluator, file);
  return b.build(settings);
}

class JobBuilder {
  private readonly values: Partial<Record<JobField, ValueInfo>> = {};
  private readonly anchors: HoverAnchor[] = [];
  private readonly sites: JobSites = {};
  private trainingArgs?: CallFact;

  constructor(private readonly facts: PythonFacts, private readonly ev: Evaluator, private readonly file: string) {}

  build(settings: AnalysisSettings): ScriptJob {
    const model = findModelSource(this.facts, this.ev, this.file);
    this.trainingArgs = callsNamed(this.facts, ...TRAINING_ARGS)[0];
    this.sites.model = model;
    this.sites.trainingArgs = this.trainingArgs;
    if (this.trainingArgs) {
      const fn = this.trainingArgs.call.childForFieldName('function') ?? this.trainingArgs.call;
      this.anchors.push({ kind: 'training-args', range: rangeOf(fn) });
    }
    if (model) {
      this.values.model = model.info;
      this.anchors.push({ kind: 'model', field: 'model', range: rangeOf(model.anchor) });
    } else {
      this.values.model = unknownValue('no from_pretrained/from_config model load found');
    }
    const arch = model?.arch;

    const micro_batch = this.microBatch();
    const grad_accum = this.number('grad_accum', this.taKeyword('gradient_accumulation_steps'), 1,
      this.trainingArgs ? 'TrainingArguments default gradient_accumulation_steps=1' : 'no TrainingArguments; a loop without accumulation assumed');
    const seq_len = this.seqLen(arch?.max_position_embeddings);
    const precision = this.precision(model);
    const optimizer = this.optimizer();
    const grad_checkpointing = this.gradCheckpointing();
    const attention = this.attention(model);
    const peft = this.peft(arch?.family);
    this.values.gpus = { value: settings.gpus, status: 'known', reason: 'from settings' };

    const job: TrainingJob | null = arch
      ? { model: arch, micro_batch, grad_accum, seq_len, precision: precision.precision, amp_style: precision.amp_style,
          optimizer, grad_checkpointing, attention, peft, gpus: settings.gpus }
      : null;
    const assumptions = Object.entries(this.values)
      .filter(([, v]) => v.status !== 'known')
      .map(([k, v]) => `${FIELD_LABELS[k as JobField]} ${v.status === 'assumed' ? `${formatValue(v.value)} assumed` : 'unknown'}: ${v.reason ?? ''}`);
    return { job, values: this.values, assumptions, anchors: this.anchors, sites: this.sites };
  }

  private taKeyword(name: string): KeywordValue | undefined {
    return this.trainingArgs ? keyword(this.ev, this.trainingArgs, name) : undefined;
  }

  private get isTrl(): boolean {
    return this.trainingArgs?.callee === 'SFTConfig';
  }

  /** Records a field from an argument, or its default; returns the value used. */
  private record<T>(field: JobField, arg: KeywordValue | undefined, read: (v: PyValue) => T | undefined, fallback: T, fallbackReason: string): T {
    if (arg) this.anchors.push({ kind: 'argument', field, range: rangeOf(arg.site) });
    if (arg?.value.ok) {
      const value = read(arg.value.value);
      if (value !== undefined) {
        this.values[field] = known(this.file, value, arg.value);
        return value;
      }
      this.values[field] = assumed(fallback, `\`${arg.site.text}\` is not understood; ${fallbackReason}`, this.file, arg.site);
      return fallback;
    }
    const why = arg && !arg.value.ok ? `${arg.value.reason}; ${fallbackReason}` : `not set; ${fallbackReason}`;
    this.values[field] = assumed(fallback, why, this.file, arg?.site);
    return fallback;
  }

  private number(field: JobField, arg: KeywordValue | undefined, fallback: number, fallbackReason: string): number {
    return this.record(field, arg, (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined), fallback, fallbackReason);
  }

  private microBatch(): number {
    const fromArgs = this.taKeyword('per_device_train_batch_size');
    if (fromArgs || this.trainingArgs) {
      this.sites.microBatch = fromArgs;
      return this.number('micro_batch', fromArgs, 8, 'TrainingArguments default per_device_train_batch_size=8');
    }
    const loader = callsNamed(this.facts, 'DataLoader')[0];
    const arg = loader ? keyword(this.ev, loader, 'batch_size') ?? positional(this.ev, loader, 1) : undefined;
    this.sites.microBatch = arg;
    return this.number('micro_batch', arg, 1, loader ? 'DataLoader default batch_size=1' : 'no TrainingArguments or DataLoader found; 1 assumed');
  }

  private seqLen(maxPositions: number | undefined): number {
    const fallback = Math.min(2048, maxPositions ?? 2048);
    const trl = this.isTrl ? this.taKeyword('max_length') ?? this.taKeyword('max_seq_length') : undefined;
    if (trl || this.isTrl) return this.number('seq_len', trl, 1024, 'TRL SFTConfig default max_length=1024');
    const tokenizerCall = this.facts.calls.find((c) => c.keywords.has('max_length') || c.keywords.has('block_size'));
    const arg = tokenizerCall ? keyword(this.ev, tokenizerCall, 'max_length') ?? keyword(this.ev, tokenizerCall, 'block_size') : undefined;
    return this.number('seq_len', arg ?? this.seqLenVariable(), fallback, 'not found');
  }

  /** A variable named like a sequence length (`block_size`, `SEQ_LEN`, `max_length`...), first assigned. */
  private seqLenVariable(): KeywordValue | undefined {
    const first = [...this.facts.assignments.entries()]
      .filter(([name]) => SEQ_LEN_NAMES.test(name))
      .map(([, list]) => list[0])
      .sort((a, b) => a.assignment.startIndex - b.assignment.startIndex)[0];
    return first && { site: first.assignment, value: this.ev.evaluate(first.value) };
  }

  private precision(model: ModelSource | undefined): { precision: Precision; amp_style: 'autocast' | 'master_weights' } {
    const half = (name: string | undefined) => (name === 'bfloat16' ? 'bf16' : name === 'float16' ? 'fp16' : undefined);
    const bf16 = this.taKeyword('bf16');
    const fp16 = this.taKeyword('fp16');
    const ds = this.deepspeedHalf();
    if (ds) {
      this.values.precision = known(this.file, `${ds.half}-mixed`, ds.evaluated);
      return { precision: `${ds.half}-mixed`, amp_style: 'master_weights' };
    }
    const cast = modelCasts(this.facts, this.ev);
    const loadHalf = half(cast?.name ?? model?.loadDtype?.name);
    if (loadHalf) {
      const node = cast?.node ?? model!.loadDtype!.site.site;
      this.values.precision = { value: loadHalf, status: 'known', source: { file: this.file, range: rangeOf(node) }, reason: 'model weights cast to half precision (no fp32 master copy)' };
      return { precision: loadHalf, amp_style: 'autocast' };
    }
    for (const [flag, h] of [[bf16, 'bf16'], [fp16, 'fp16']] as const) {
      if (flag?.value.ok && flag.value.value === true) {
        this.anchors.push({ kind: 'argument', field: 'precision', range: rangeOf(flag.site) });
        this.values.precision = known(this.file, `${h}-mixed`, flag.value);
        return { precision: `${h}-mixed`, amp_style: 'autocast' };
      }
    }
    if (this.isTrl && !(bf16?.value.ok && bf16.value.value === false)) {
      this.values.precision = assumed('bf16-mixed', 'TRL SFTConfig default bf16 = not fp16');
      return { precision: 'bf16-mixed', amp_style: 'autocast' };
    }
    const autocast = callsNamed(this.facts, 'autocast')[0];
    if (autocast) {
      const dtype = keyword(this.ev, autocast, 'dtype');
      const h = dtype?.value.ok && isDtype(dtype.value.value) ? half(dtype.value.value.name) : 'fp16';
      if (h) {
        this.values.precision = { value: `${h}-mixed`, status: 'known', source: { file: this.file, range: rangeOf(autocast.call) }, reason: 'torch autocast over fp32 weights' };
        return { precision: `${h}-mixed`, amp_style: 'autocast' };
      }
    }
    this.values.precision = assumed('fp32', 'no bf16/fp16 flag, autocast or half-precision cast found', this.file, this.trainingArgs?.call);
    return { precision: 'fp32', amp_style: 'autocast' };
  }

  /** A DeepSpeed config given as a dict with bf16/fp16 enabled: half weights + fp32 master copy. */
  private deepspeedHalf() {
    const arg = this.taKeyword('deepspeed');
    if (!arg?.value.ok || !isDict(arg.value.value)) return undefined;
    for (const half of ['bf16', 'fp16'] as const) {
      const section = this.ev.lookup(arg.value.value, half);
      if (!section?.ok || !isDict(section.value)) continue;
      const enabled = this.ev.lookup(section.value, 'enabled');
      if (enabled?.ok && enabled.value === true) return { half, evaluated: enabled };
    }
    return undefined;
  }

  /**
   * A torch.optim constructor anywhere (custom loops, `Trainer(optimizers=(opt, sched))`) or
   * `Trainer(optimizer_cls_and_kwargs=(torch.optim.SGD, {...}))` decides; else TrainingArguments `optim`.
   */
  private optimizer(): Optimizer {
    const constructed = this.facts.calls.find((c) => TORCH_OPTIMIZERS.test(c.callee) && c.receiver?.text.endsWith('optim'));
    if (constructed) return this.torchOptimizer(constructed.callee, keyword(this.ev, constructed, 'momentum'), constructed.call);
    for (const trainer of callsNamed(this.facts, 'Trainer', 'SFTTrainer', 'Seq2SeqTrainer')) {
      const pair = trainer.keywords.get('optimizer_cls_and_kwargs')?.childForFieldName('value');
      const [cls, kwargs] = pair?.type === 'tuple' ? pair.namedChildren : [];
      const name = cls?.text.split('.').pop() ?? '';
      if (!cls || !TORCH_OPTIMIZERS.test(name)) continue;
      const dict = kwargs ? this.ev.evaluate(kwargs) : undefined;
      const momentum = dict?.ok && isDict(dict.value) ? this.ev.lookup(dict.value, 'momentum') : undefined;
      return this.torchOptimizer(name, momentum && { site: pair!, value: momentum }, pair!);
    }
    return this.record('optimizer', this.taKeyword('optim'), (v) => (typeof v === 'string' ? hfOptimizer(v) : undefined), 'adamw', 'TrainingArguments default optim="adamw_torch"');
  }

  private torchOptimizer(name: string, momentum: KeywordValue | undefined, site: Node): Optimizer {
    const hasMomentum = momentum?.value.ok && typeof momentum.value.value === 'number' && momentum.value.value > 0;
    const value: Optimizer = name === 'SGD' ? (hasMomentum ? 'sgd_momentum' : 'sgd') : 'adamw';
    this.values.optimizer = { value, status: 'known', source: { file: this.file, range: rangeOf(site) }, reason: `torch.optim.${name}` };
    return value;
  }

  private gradCheckpointing(): boolean {
    const arg = this.taKeyword('gradient_checkpointing');
    this.sites.gradCheckpointing = arg;
    const enable = callsNamed(this.facts, 'gradient_checkpointing_enable')[0];
    if (enable && !(arg?.value.ok && arg.value.value === true)) {
      this.values.grad_checkpointing = { value: true, status: 'known', source: { file: this.file, range: rangeOf(enable.call) } };
      return true;
    }
    const fallback = this.isTrl;
    return this.record('grad_checkpointing', arg, (v) => (typeof v === 'boolean' ? v : undefined), fallback,
      this.isTrl ? 'TRL SFTConfig default gradient_checkpointing=True (TRL ≥ 0.22)'
        : this.trainingArgs ? 'TrainingArguments default gradient_checkpointing=False' : 'no gradient_checkpointing_enable() call found');
  }

  private attention(model: ModelSource | undefined): Attention {
    return this.record('attention', model?.attention, (v) => (typeof v === 'string' ? attentionOf(v) : undefined), 'sdpa',
      'transformers uses SDPA by default when PyTorch supports it');
  }

  private peft(family: string | undefined): PeftConfig | null {
    const lora = callsNamed(this.facts, 'LoraConfig')[0];
    if (!lora) {
      this.values.peft = { value: null, status: 'known', reason: 'no LoraConfig: full fine-tuning' };
      return null;
    }
    const num = (name: string, fallback: number) => {
      const v = keyword(this.ev, lora, name);
      return v?.value.ok && typeof v.value.value === 'number' ? v.value.value : fallback;
    };
    const targetsArg = keyword(this.ev, lora, 'target_modules');
    const t = targetsArg?.value.ok ? targetsArg.value.value : undefined;
    const targets = Array.isArray(t) && t.every((x) => typeof x === 'string') ? (t as string[])
      : typeof t === 'string' ? [t] : LORA_DEFAULT_TARGETS[family ?? ''] ?? ['q_proj', 'v_proj'];
    const r = num('r', 8);
    const peft: PeftConfig = { method: 'lora', r, alpha: num('lora_alpha', 8), targets, dropout: num('lora_dropout', 0) };
    this.values.peft = { value: peft, status: 'known', source: { file: this.file, range: rangeOf(lora.call) },
      ...(targetsArg ? {} : { reason: `target_modules not given: PEFT's default for ${family ?? 'this model'}` }) };
    this.anchors.push({ kind: 'argument', field: 'peft', range: rangeOf(lora.call.childForFieldName('function') ?? lora.call) });
    return peft;
  }
}

function positional(ev: Evaluator, call: CallFact, index: number): KeywordValue | undefined {
  const node: Node | undefined = call.positional[index];
  return node ? { site: node, value: ev.evaluate(node) } : undefined;
}

/** transformers OptimizerNames → what the estimator models; others are not modelled yet. */
function hfOptimizer(name: string): Optimizer | undefined {
  if (/^adamw_(torch|torch_fused|hf|apex_fused)$/.test(name)) return 'adamw';
  if (name === 'sgd') return 'sgd';
  return undefined;
}

function attentionOf(name: string): Attention | undefined {
  if (name === 'eager') return 'eager';
  if (name === 'sdpa') return 'sdpa';
  if (name.startsWith('flash_attention')) return 'flash';
  return undefined;
}

export const FIELD_LABELS: Record<JobField, string> = {
  model: 'model', micro_batch: 'micro-batch', grad_accum: 'gradient accumulation', seq_len: 'sequence length',
  precision: 'precision', optimizer: 'optimizer', grad_checkpointing: 'gradient checkpointing', attention: 'attention',
  peft: 'PEFT', gpus: 'GPUs', gpu: 'GPU',
};

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
