/**
 * From the facts of a Python script to a TrainingJob, field by field (modules in job/), each with
 * its provenance. Library defaults are reported as assumed; values TrainLens cannot read are
 * reported with the reason.
 */
import type { TrainingJob } from '../../../estimator/src/types';
import { callsNamed, type PythonFacts } from '../python/facts';
import { Evaluator } from '../python/evaluate';
import type { WorkspaceFiles } from '../workspace/files';
import { findModelSource } from './model-source';
import { gradAccum, microBatch, seqLen, totalSteps } from './job/batch';
import { JobContext, type JobSites } from './job/context';
import { findDeepSpeed, type DeepSpeedProblem } from './job/deepspeed';
import { fsdp } from './job/distributed';
import { attention, gradCheckpointing } from './job/flags';
import { inference, tensorParallel } from './job/inference';
import { optimizer } from './job/optimizer';
import { peft } from './job/peft';
import { gradScaler, precision } from './job/precision';
import { quantization } from './job/quantization';
import type { AnalysisSettings, HoverAnchor, JobField, ValueInfo } from './types';
import { assumptionLines } from './fields';
import { rangeOf, unknownValue } from './values';
import { readStatedValue, type DirectiveResult } from './directives';
import type { FoundLaunch } from '../launch/discover';
import { settleAcrossLaunchers } from '../launch/agreement';
import { launchContext, scriptArgsOf } from '../launch/script-args';
import { applyLaunch } from './job/launch';
import { applyLoadKwargs } from './job/load-kwargs';
import { settleAmpStyle } from './job/amp-style';

export type { JobSites } from './job/context';

export interface ScriptJob {
  job: TrainingJob | null;
  values: Partial<Record<JobField, ValueInfo>>;
  assumptions: string[];
  anchors: HoverAnchor[];
  sites: JobSites;
  /** A DeepSpeed config named by the script that could not be read. */
  deepspeedProblem?: DeepSpeedProblem;
}

/** How the script is run and what its comments state, beside its own code. */
export interface ScriptContext {
  files?: WorkspaceFiles;
  launch?: FoundLaunch;
  directives?: DirectiveResult;
}

export function buildScriptJob(facts: PythonFacts, ev: Evaluator, file: string, settings: AnalysisSettings, context: ScriptContext = {}): ScriptJob {
  const { files, launch, directives } = context;
  const ctx = new JobContext(facts, ev, file, files);
  const model = findModelSource(facts, ev, file, files);
  applyLoadKwargs(ctx, model);
  ctx.sites.model = model;
  if (ctx.trainingArgs) ctx.anchors.push({ kind: 'training-args', range: rangeOf(ctx.trainingArgs.call.childForFieldName('function') ?? ctx.trainingArgs.call) });
  if (model) {
    ctx.values.model = model.info;
    ctx.anchors.push({ kind: 'model', field: 'model', range: rangeOf(model.anchor) });
  } else {
    ctx.values.model = unknownValue('no from_pretrained/from_config model load found');
  }
  const arch = model?.arch;
  const ds = findDeepSpeed(ctx);
  ctx.sites.deepspeed = ds.found;
  const dsAt = ds.found?.source.range ?? ds.problem?.range;
  if (dsAt) ctx.anchors.push({ kind: 'argument', field: 'zero', range: dsAt });
  const quant = quantization(ctx, model);
  const micro_batch = microBatch(ctx, ds.found);
  const grad_accum = gradAccum(ctx, ds.found);
  const seq_len = seqLen(ctx, arch?.max_position_embeddings);
  const prec = precision(ctx, model, ds.found, !!quant);
  // Read with or without a known model: hovers and the CLI show them while the model is unknown.
  const optim = optimizer(ctx, ds.found);
  const checkpointing = gradCheckpointing(ctx);
  const attn = attention(ctx, model);
  const peftConfig = peft(ctx, arch?.family);
  const job: TrainingJob | null = arch ? {
    model: arch, micro_batch, grad_accum, seq_len, precision: prec.precision, amp_style: prec.amp_style,
    optimizer: optim, grad_checkpointing: checkpointing, attention: attn, peft: peftConfig, gpus: settings.gpus,
  } : null;
  if (job) {
    const scaler = gradScaler(ctx, prec);
    // false only where a scaler is constructed but disabled (`GradScaler(enabled=False)`); absent otherwise.
    if (scaler || callsNamed(facts, 'GradScaler', 'ShardedGradScaler').length) job.grad_scaler = scaler;
    if (ds.found?.lossScale) job.loss_scale = ds.found.lossScale;
    const zero = ds.found?.settings.zero;
    if (zero) {
      job.zero = zero;
      ctx.values.zero = { value: zero, status: 'known', source: ds.found!.source, reason: `DeepSpeed config ${ds.found!.label}` };
    }
    const sharded = fsdp(ctx);
    if (sharded) job.fsdp = sharded;
    if (quant) job.quantization = quant;
    const matmulTf32 = tf32(ctx);
    if (matmulTf32 !== undefined) job.tf32 = matmulTf32;
    const steps = totalSteps(ctx);
    if (steps) job.total_steps = steps;
    const gen = inference(ctx, seq_len, micro_batch);
    if (gen) {
      job.micro_batch = gen.batch;
      job.inference = { ...gen, kv_cache_dtype: prec.precision.startsWith('bf16') ? 'bf16' : prec.precision === 'fp32' ? 'fp32' : 'fp16' };
      const tp = tensorParallel(ctx);
      if (tp > 1) {
        job.parallel = { tensor: tp, pipeline: 1, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b', pipeline_micro_batches: 1 };
        if (!directives?.gpusExplicit) job.gpus = tp;
      }
    }
  }
  ctx.values.gpus ??= { value: settings.gpus, status: 'known', reason: directives?.gpusExplicit ? '# trainlens: comment' : 'from settings' };
  const launchNotes = job && launch ? applyLaunch(ctx, job, launch, !!directives?.gpusExplicit) : [];
  if (launch?.alternatives.length) {
    // The script read again under each other launch (which has no alternatives: no recursion); compared are
    // the values the launches give, before the trainlens.assume setting fills the rest.
    const readUnder = (other: FoundLaunch) => {
      const otherEv = new Evaluator(facts, scriptArgsOf(other), { ...ev.env, ...launchContext(other) });
      return buildScriptJob(facts, otherEv, file, { ...settings, assume: undefined }, { files, launch: other, directives });
    };
    settleAcrossLaunchers(ctx.values, launch, readUnder);
  }
  const readPrecision = ctx.values.precision;
  if (job && settings.assume) applyAssumedSettings(ctx, job, settings.assume);
  if (job && directives) applyStatedValues(ctx, job, directives);
  if (job) settleAmpStyle(ctx.values, job, ctx.values.precision !== readPrecision);
  const assumptions = assumptionLines(ctx.values);
  assumptions.push(...launchNotes);
  if (ds.problem) assumptions.push(`${ds.problem.reason}: the estimate ignores it`);
  else if (ds.found?.settings.problems.length) assumptions.push(...ds.found.settings.problems.map((p) => `DeepSpeed config ${ds.found!.label}: ${p}`));
  return { job, values: ctx.values, assumptions, anchors: ctx.anchors, sites: ctx.sites, deepspeedProblem: ds.problem };
}

/**
 * TF32 matmuls for fp32 work: `torch.backends.cuda.matmul.allow_tf32 = ...` (the last one),
 * `torch.set_float32_matmul_precision("high"|"medium")` (TF32 or bf16 passes; "highest" is full fp32),
 * or TrainingArguments `tf32=`. PyTorch's own default (allow_tf32 False since 1.12) is left unset.
 */
function tf32(ctx: JobContext): boolean | undefined {
  const flags = ctx.facts.assignments.get('torch.backends.cuda.matmul.allow_tf32') ?? [];
  const flag = flags.length ? ctx.ev.evaluate(flags[flags.length - 1].value) : undefined;
  if (flag?.ok && typeof flag.value === 'boolean') return flag.value;
  const precision = callsNamed(ctx.facts, 'set_float32_matmul_precision')[0];
  const mode = precision?.positional[0] && ctx.ev.evaluate(precision.positional[0]);
  if (mode?.ok && typeof mode.value === 'string') return mode.value !== 'highest';
  const arg = ctx.taKeyword('tf32')?.value;
  return arg?.ok && typeof arg.value === 'boolean' ? arg.value : undefined;
}

/** `trainlens.assume`: fills only the values the code does not show (assumed or unknown ones). */
function applyAssumedSettings(ctx: JobContext, job: TrainingJob, assume: Record<string, string>): void {
  for (const [key, raw] of Object.entries(assume)) {
    const stated = readStatedValue(key, String(raw));
    if (!stated || ctx.values[stated.field]?.status === 'known') continue;
    (job as unknown as Record<string, unknown>)[stated.field] = stated.value;
    ctx.values[stated.field] = { value: stated.value, status: 'known', reason: 'trainlens.assume setting' };
  }
}

/** Values stated in `# trainlens:` comments win over what the code shows. */
function applyStatedValues(ctx: JobContext, job: TrainingJob, directives: DirectiveResult): void {
  for (const [field, stated] of directives.values) {
    (job as unknown as Record<string, unknown>)[field] = stated.value;
    ctx.knownAt(field, stated.value, stated.node, '# trainlens: comment');
  }
}
