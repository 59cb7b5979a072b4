/**
 * Rules that need the scripts using the config: the batch invariant, values that disagree with
 * TrainingArguments, "auto" where nothing fills it, bf16 on a GPU without it, an 8-bit optimizer
 * that ZeRO-Offload replaces, and whether the job fits, with fixes that change the ZeRO stage or
 * offload (each titled with its effect from estimate()). Facts: domain-rules.md §1.2, §1.3, §1.5, §1.8, §7.
 */
import { estimate } from '../../../estimator/src';
import type { Estimate, Gpu, TrainingJob } from '../../../estimator/src/types';
import type { Analysis, Fix, TextEdit } from '../analysis/types';
import { gib } from '../render/units';
import { insertMember, replaceSpan } from './edits';
import type { ConfigFindings } from './findings';
import type { DeepSpeedSettings } from './interpret';
import { hfValue } from './hf-args';
import { memberOf, plainValue, type JsonMember, type JsonNode } from './json-tree';
import type { ConfigReference } from './links';
import { finding } from './rules';
import { stageTable, VARIANTS, withZero, type OffloadVariant } from './stages';

/** A script that uses the config, analysed; `job` is its job run with this config. */
export interface ConfigUser { ref: ConfigReference; analysis?: Analysis; job?: TrainingJob; gpu: Gpu }

type ObjectNode = JsonNode & { kind: 'object' };
/** `estimate`: the first script's job as run with this config. */
type Out = ConfigFindings & { fixes: Fix[]; estimate?: Estimate };

const EIGHT_BIT = new Set(['adamw_8bit', 'paged_adamw_8bit', 'lion_8bit']);

export function jobFindings(root: ObjectNode, text: string, ds: DeepSpeedSettings, users: ConfigUser[], fallback: { gpu: Gpu; gpus: number }): Out {
  const out: Out = { findings: [], editFixes: [], fixes: [] };
  batchInvariant(root, users, fallback.gpus, out);
  for (const user of users) {
    if (user.ref.via === 'hf') mismatches(root, user, out);
    if (user.ref.via === 'deepspeed') autoWithoutTrainer(root, user, out);
    eightBitReplaced(root, user, out);
  }
  const runs = users.map((u) => ({ gpu: u.gpu, bf16Flag: hfValue(u.ref.hfArgs, 'bf16') === true }));
  bf16Gpu(root, ds, runs.length ? runs : [{ gpu: fallback.gpu, bf16Flag: undefined }], out);
  const primary = users.find((u) => u.job);
  if (primary) memory(root, text, primary, out);
  return out;
}

function batchInvariant(root: ObjectNode, users: ConfigUser[], gpus: number, out: Out): void {
  const train = memberOf(root, 'train_batch_size')?.value;
  if (train?.kind !== 'number') return;
  const user = users.find((u) => u.job);
  const world = user?.job?.gpus ?? user?.ref.gpus ?? gpus;
  let micro = batchKey(memberOf(root, 'train_micro_batch_size_per_gpu')?.value, user?.job?.micro_batch);
  let gas = batchKey(memberOf(root, 'gradient_accumulation_steps')?.value, user?.job?.grad_accum);
  if (micro === null || gas === null) return;
  // DeepSpeedConfig._set_batch_related_parameters derives a missing key with integer division.
  if (micro === undefined && gas === undefined) [micro, gas] = [Math.floor(train.value / world), 1];
  else if (micro === undefined) micro = Math.floor(train.value / world / gas!);
  else if (gas === undefined) gas = Math.floor(train.value / micro / world);
  if (micro * gas! * world === train.value) return;
  const from = user ? ` (${user.ref.label})` : ' (GPUs from settings)';
  out.findings.push(finding('DS010', train.range,
    `train_batch_size is not equal to micro_batch_per_gpu * gradient_acc_step * world_size ${train.value} != ${micro} * ${gas} * ${world}${from}: DeepSpeed fails this check at start-up`));
}

/** A batch key's value: the number written, the script's value for "auto" (null when no script fills it), undefined when absent. */
function batchKey(node: JsonNode | undefined, fromScript: number | undefined): number | null | undefined {
  if (!node) return undefined;
  if (node.kind === 'number') return node.value;
  return node.kind === 'string' && node.value === 'auto' && fromScript !== undefined ? fromScript : null;
}

/** DeepSpeed keys and the TrainingArguments HF fills them from and checks them against (trainer_config_process). */
const PAIRS: [path: string[], hf: string[]][] = [
  [['train_micro_batch_size_per_gpu'], ['per_device_train_batch_size']],
  [['gradient_accumulation_steps'], ['gradient_accumulation_steps']],
  [['gradient_clipping'], ['max_grad_norm']],
  [['fp16', 'enabled'], ['fp16']],
  [['bf16', 'enabled'], ['bf16']],
  [['optimizer', 'params', 'lr'], ['learning_rate']],
  [['optimizer', 'params', 'weight_decay'], ['weight_decay']],
  [['optimizer', 'params', 'eps'], ['adam_epsilon']],
  [['optimizer', 'params', 'betas'], ['adam_beta1', 'adam_beta2']],
  [['scheduler', 'params', 'warmup_max_lr'], ['learning_rate']],
];

/** HF's trainer_config_process: a hard-coded value that differs from TrainingArguments raises at trainer.train(). */
function mismatches(root: ObjectNode, user: ConfigUser, out: Out): void {
  const values = user.analysis?.values;
  const fromScript: Record<string, unknown> = {
    per_device_train_batch_size: knownIn(values?.micro_batch, user),
    gradient_accumulation_steps: knownIn(values?.grad_accum, user),
  };
  for (const [path, hfNames] of PAIRS) {
    const member = path.slice(1).reduce<JsonMember | undefined>((m, key) => memberOf(m?.value, key), memberOf(root, path[0]));
    const v = member?.value;
    const hf = hfNames.map((n) => fromScript[n] ?? hfValue(user.ref.hfArgs, n));
    if (!v || hf.some((x) => x === undefined) || sameAs(v, hf)) continue;
    if (v.kind === 'string' || v.kind === 'null' || v.kind === 'object') continue; // "auto" is filled; other strings are DS004's
    const name = path.join('.');
    const id = `ds-auto:${name}`;
    const defaulted = hfNames.some((n) => fromScript[n] === undefined && !(n in user.ref.hfArgs.written));
    const hfText = hfNames.map((n, i) => `${n}=${pythonValue(hf[i])}`).join(', ') + (defaulted ? ' (default)' : '');
    out.editFixes.push({ id, title: `Set ${name} to "auto" (filled from TrainingArguments)`, edits: [replaceSpan(v, '"auto"')] });
    out.findings.push({ ...finding('DS011', v.range, `${name}=${JSON.stringify(plainValue(v))} but ${user.ref.label} has ${hfText}: Hugging Face raises "Please correct the following DeepSpeed config values that mismatch TrainingArguments values" at trainer.train(); set it to "auto"`), fixIds: [id] });
  }
}

/** Python's ==, which HF uses: numbers and booleans by value, a list against the list of arguments. */
function sameAs(v: JsonNode, hf: unknown[]): boolean {
  if (v.kind === 'array') return v.items.length === hf.length && v.items.every((item, i) => 'value' in item && item.value === hf[i]);
  return 'value' in v && (v.value === hf[0] || (typeof v.value === 'boolean' && typeof hf[0] === 'number' && Number(v.value) === hf[0]));
}

function autoWithoutTrainer(root: ObjectNode, user: ConfigUser, out: Out): void {
  for (const { path, node } of autoValues(root, [])) {
    out.findings.push(finding('DS012', node.range, `"auto" for ${path.join('.')}: ${user.ref.label} calls deepspeed.initialize without a Hugging Face Trainer or accelerate, so nothing replaces "auto"; write a value`));
  }
}

/** `runs`: each script's GPU and its literal bf16= flag (which decides an "auto" bf16 block). */
function bf16Gpu(root: ObjectNode, ds: DeepSpeedSettings, runs: { gpu: Gpu; bf16Flag: boolean | undefined }[], out: Out): void {
  const enabled = memberOf(memberOf(root, 'bf16')?.value ?? memberOf(root, 'bfloat16')?.value, 'enabled')?.value;
  if (!enabled) return;
  for (const run of runs) {
    const on = ds.half === 'bf16' || (enabled.kind === 'string' && run.bf16Flag === true);
    if (!on || run.gpu.bf16) continue;
    out.findings.push(finding('DS013', enabled.range, `${run.gpu.id} does not support bf16: DeepSpeed raises "Type bf16 is not supported on your device."; use "fp16" or an Ampere or newer GPU`));
    return;
  }
}

/** accelerate's map_pytorch_optim_to_deepspeed swaps the client optimizer for DeepSpeedCPUAdam under ZeRO-Offload. */
function eightBitReplaced(root: ObjectNode, user: ConfigUser, out: Out): void {
  const zero = memberOf(root, 'zero_optimization')?.value;
  const device = memberOf(memberOf(zero, 'offload_optimizer')?.value, 'device')?.value;
  const forced = memberOf(root, 'zero_force_ds_cpu_optimizer')?.value;
  const optimizer = user.analysis?.job?.optimizer;
  if (device?.kind !== 'string' || device.value === 'none' || memberOf(root, 'optimizer') || (forced?.kind === 'boolean' && !forced.value)) return;
  if (!optimizer || !EIGHT_BIT.has(optimizer)) return;
  out.findings.push(finding('DS014', device.range, `${user.ref.label} uses ${optimizer}, but with offload_optimizer on ${device.value} the Trainer/accelerate replace it by DeepSpeed's CPU Adam with fp32 states (only lr and weight_decay are kept): the 8-bit optimizer has no effect`));
}

/** DS017 when the job does not fit, with the stage/offload changes that help, best first (the stage table is only built then). */
function memory(root: ObjectNode, text: string, user: ConfigUser, out: Out): void {
  const job = user.job!;
  const now = estimate(job, user.gpu);
  out.estimate = now;
  if (now.fits) return;
  const current = job.zero!;
  const zero = memberOf(root, 'zero_optimization');
  const candidates = stageTable(job, user.gpu).filter((c) => c.stage >= current.stage && c.estimate.per_gpu.total < now.per_gpu.total);
  for (const cell of candidates.sort((a, b) => Number(b.estimate.fits) - Number(a.estimate.fits) || a.stage - b.stage || VARIANTS[3].indexOf(a.offload) - VARIANTS[3].indexOf(b.offload)).slice(0, 3)) {
    const after = cell.estimate.per_gpu.total;
    out.fixes.push({
      id: `ds-stage:${cell.stage}:${cell.offload}`,
      title: `${describe(cell.stage, cell.offload, current.stage)} (saves ${gib(now.per_gpu.total - after)})`,
      saves_bytes: now.per_gpu.total - after,
      total_after_bytes: after,
      fits_after: cell.estimate.fits,
      edits: zeroEdits(text, root, zero, current.stage, cell.stage, cell.offload, withZero(job, cell.stage, cell.offload)),
    });
  }
  const at = memberOf(zero?.value, 'stage')?.value?.range ?? zero?.keySpan.range ?? root.members[0]?.keySpan.range ?? root.range;
  out.findings.push({
    ...finding('DS017', at, `${user.ref.label} needs ${gib(now.per_gpu.total)} per GPU with this config; ${user.gpu.id} has ${gib(user.gpu.memory_bytes)}`),
    fixIds: out.fixes.map((f) => f.id),
  });
}

function describe(stage: number, offload: OffloadVariant, from: number): string {
  const what = offload === 'none' ? '' : offload === 'optimizer' ? ' with optimizer offload to CPU' : ' with optimizer and parameter offload to CPU';
  return stage === from ? `Offload ${offload === 'optimizer' ? 'optimizer states' : 'optimizer states and parameters'} to CPU` : `ZeRO stage ${stage}${what}`;
}

/** Edits that set the stage and the offload blocks, inserting zero_optimization if it is missing. */
function zeroEdits(text: string, root: ObjectNode, zero: JsonMember | undefined, from: number, stage: number, offload: OffloadVariant, job: TrainingJob): TextEdit[] {
  const blocks: [string, string | undefined][] = [
    ['stage', stage === from && memberOf(zero?.value, 'stage') ? undefined : String(stage)],
    ['offload_optimizer', offload === 'none' ? undefined : `{ "device": "${job.zero!.offload_optimizer}", "pin_memory": true }`],
    ['offload_param', offload === 'optimizer+param' ? `{ "device": "${job.zero!.offload_param}", "pin_memory": true }` : undefined],
  ];
  if (zero?.value?.kind !== 'object') {
    const body = blocks.filter(([, v]) => v).map(([k, v]) => `"${k}": ${v}`).join(', ');
    return [zero?.value ? replaceSpan(zero.value, `{ ${body} }`) : insertMember(text, root, 'zero_optimization', `{ ${body} }`)];
  }
  const object = zero.value;
  const edits: TextEdit[] = [];
  const inserted: [string, string][] = [];
  for (const [key, valueText] of blocks) {
    const existing = memberOf(object, key);
    if (!valueText) continue;
    if (existing?.value) edits.push(replaceSpan(existing.value, valueText));
    else inserted.push([key, valueText]);
  }
  // Insertions after the last member share one position: join them into one edit.
  if (inserted.length) {
    const first = insertMember(text, object, inserted[0][0], inserted[0][1]);
    const sep = first.newText.slice(0, first.newText.indexOf('"'));
    edits.push({ ...first, newText: first.newText + inserted.slice(1).map(([k, v]) => `${sep}"${k}": ${v}`).join('') });
  }
  return edits;
}

/** Every "auto" value with its key path. */
export function autoValues(node: JsonNode, path: string[]): { path: string[]; node: JsonNode }[] {
  if (node.kind === 'string' && node.value === 'auto') return [{ path, node }];
  if (node.kind === 'object') return node.members.flatMap((m) => (m.value ? autoValues(m.value, [...path, m.key]) : []));
  if (node.kind === 'array') return node.items.flatMap((item, i) => autoValues(item, [...path, String(i)]));
  return [];
}

/** A script value set in the script itself (not assumed, not read from this config). */
function knownIn(value: { value: unknown; status: string; source?: { file: string } } | undefined, user: ConfigUser): unknown {
  return value?.status === 'known' && value.source?.file === user.analysis?.file ? value.value : undefined;
}

function pythonValue(v: unknown): string {
  return typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
}
