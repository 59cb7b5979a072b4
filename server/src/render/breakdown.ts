/**
 * The memory breakdown of an Analysis as Markdown: what a hover shows, and what the CLI prints.
 */
import type { Analysis, HoverAnchor, JobField } from '../analysis/types';
import { shownApart } from '../analysis/fields';
import { DEFAULT_UTILIZATION, UTILIZATION_SOURCE } from '../../../estimator/src/compute';
import type { Estimate, MemoryComponent, TrainingJob } from '../../../estimator/src/types';
import { bestPlanLine } from '../fixes/build';
import { bulletList, code, escapeMarkdown, table } from './markdown';
import { provenanceLine, unknownValueLines } from './provenance';
import { simulationLines } from './simulations';
import { count, duration, flops, gib, whole } from './units';

const COMPONENT_ROWS: [MemoryComponent, string][] = [
  ['weights', 'Weights'],
  ['gradients', 'Gradients'],
  ['optimizer_states', 'Optimizer states'],
  ['activations', 'Activations'],
  ['autocast_weight_copies', 'Autocast weight copies'],
  ['other', 'Other (CUDA context, buffers)'],
];

/** Values set by the same text as the anchored one: the precision's flag also decides how mixed precision is applied. */
const SHOWN_WITH: Partial<Record<JobField, JobField[]>> = { precision: ['amp_style'] };

/**
 * Title, breakdown table (components, total per GPU, capacity, fits), the planner's best fitting
 * change when the job does not fit, parameter and compute
 * counts, the simulations' one-line results (followed by `detailLink`, a link to their detail,
 * when given), the provenance of the anchored value, and every assumption behind the numbers.
 */
export function breakdownMarkdown(analysis: Analysis, anchor?: HoverAnchor, detailLink?: string): string {
  const sections = [title(analysis)];
  if (analysis.estimate) {
    sections.push(memoryTable(analysis.estimate, analysis), sizeLine(analysis.estimate, analysis.job));
    if (analysis.bestPlan) sections.push(escapeMarkdown(bestPlanLine(analysis.bestPlan)));
    const perLayer = perLayerLine(analysis.estimate, analysis.job);
    if (perLayer) sections.push(perLayer);
    const compute = computeLine(analysis.estimate, analysis);
    if (compute) sections.push(compute);
    const sims = simulationLines(analysis);
    if (sims) sections.push(detailLink ? `${sims}  \n${detailLink}` : sims);
  } else {
    sections.push('No memory estimate: TrainLens could not work out the training job in this file.');
    const unknown = unknownValueLines(analysis);
    if (unknown.length > 0) sections.push(bulletList(unknown));
  }
  const anchored = anchor?.field ?? (anchor?.kind === 'model' ? 'model' : undefined);
  const provenance = anchored && [anchored, ...(SHOWN_WITH[anchored] ?? [])].filter((field) => shownApart(field, analysis.values[field])).map((field) => provenanceLine(analysis, field)).filter(Boolean);
  if (provenance && provenance.length) sections.push(provenance.join('  \n'));
  if (anchor?.field === 'zero' && analysis.configSummary) sections.push(analysis.configSummary);
  if (anchor?.kind === 'model' && analysis.job?.model.source) {
    sections.push(`Architecture numbers: ${escapeMarkdown(analysis.job.model.source)}`);
  }
  const assumptions = [...analysis.assumptions, ...(analysis.estimate?.notes ?? [])];
  if (assumptions.length > 0) {
    sections.push(`Assumptions:\n\n${bulletList(assumptions.map(escapeMarkdown))}`);
  }
  return sections.join('\n\n');
}

function title(analysis: Analysis): string {
  const gpus = analysis.job?.gpus ?? 1;
  const hardware = `${gpus} × ${analysis.gpu.id}`;
  return analysis.job
    ? `**TrainLens**: ${code(analysis.job.model.id)}, ${jobSummary(analysis.job)}, ${hardware}`
    : `**TrainLens**: ${hardware}`;
}

/** "micro-batch 4 × 2048 tokens, bf16-mixed, AdamW" plus the memory-saving switches that are on. */
function jobSummary(job: TrainingJob): string {
  const inf = job.inference;
  if (inf) {
    const engine = inf.engine === 'vllm' ? 'vLLM' : 'generate()';
    return `inference with ${engine}, batch ${inf.batch} × (${inf.prompt_len} prompt + ${inf.max_new_tokens} new tokens), ${job.precision}`;
  }
  const parts = [`micro-batch ${job.micro_batch} × ${job.seq_len} tokens`, job.precision, job.optimizer];
  if (job.grad_checkpointing) parts.push('gradient checkpointing');
  if (job.peft) parts.push(`LoRA r=${job.peft.r}`);
  return parts.join(', ');
}

function memoryTable(estimate: Estimate, analysis: Analysis): string {
  const p = estimate.per_gpu;
  const rows: [string, string][] = COMPONENT_ROWS.map(([key, label]) => [label, gib(p[key])]);
  if (p.kv_cache !== undefined) rows.splice(4, 0, ['KV cache', gib(p.kv_cache)]);
  rows.push(['**Total per GPU**', `**${gib(p.total)}**`]);
  // which PyTorch / nvidia-smi figure each peak corresponds to (estimator/src/types.ts MemoryBreakdown)
  if (p.peak_allocated !== undefined) rows.push(['Peak allocated (`max_memory_allocated`)', gib(p.peak_allocated)]);
  if (p.peak_reserved !== undefined) rows.push(['Peak reserved (`max_memory_reserved`)', gib(p.peak_reserved)]);
  if (p.device_used !== undefined) rows.push(['Device used (`nvidia-smi`)', gib(p.device_used)]);
  rows.push([`Capacity (${analysis.gpu.id})`, gib(estimate.capacity_bytes)]);
  rows.push(['Fits', fitsCell(estimate)]);
  const host = estimate.host;
  if (host && host.cpu_bytes > 0) rows.push(['Host memory for offload (CPU)', gib(host.cpu_bytes)]);
  if (host && host.nvme_bytes > 0) rows.push(['NVMe for offload', gib(host.nvme_bytes)]);
  return table(['Memory per GPU', 'Size'], rows);
}

/** Fit is judged on the larger of the component total and what the step timeline says the device shows. */
function fitsCell(estimate: Estimate): string {
  const margin = Math.abs(estimate.capacity_bytes - Math.max(estimate.per_gpu.total, estimate.per_gpu.device_used ?? 0));
  return estimate.fits ? `✓ yes, ${gib(margin)} free` : `✗ no, ${gib(margin)} over`;
}

/**
 * Our op-level count of one decoder layer beside Korthikanti et al. 2022's formula for the same recomputation:
 * sbh(34 + 5as/h) without, sbh·34 with selective recomputation. Full checkpointing keeps only layer inputs, which
 * the formula does not describe, so no line then.
 */
function perLayerLine(estimate: Estimate, job: TrainingJob | null): string | undefined {
  const selective = job?.grad_checkpointing && job.checkpointing_mode === 'selective';
  if (!job || job.inference || (job.grad_checkpointing && !selective)) return undefined;
  const ours = estimate.detail.activations_per_layer;
  const korthikanti = selective ? estimate.detail.korthikanti_selective_per_layer : estimate.detail.korthikanti_per_layer;
  if (!ours || !korthikanti) return undefined;
  return (
    `Activations per layer: ${gib(ours)} (op-level count); ` +
    `Korthikanti et al. 2022, ${selective ? 'sbh·34 (selective recomputation)' : 'sbh(34 + 5as/h)'}: ` +
    `${gib(korthikanti)} (×${(ours / korthikanti).toFixed(2)})`
  );
}

/** FLOPs per token, step time, throughput at the assumed utilization, and the whole run when its length is known. */
function computeLine(estimate: Estimate, analysis: Analysis): string | undefined {
  const c = estimate.compute;
  if (!c) return undefined;
  const gpus = analysis.job?.gpus ?? 1;
  const unit = analysis.job?.inference ? 'generate() call' : 'step';
  const model = c.model_flops_per_token !== undefined && c.model_flops_per_token !== c.flops_per_token
    ? ` (${flops(c.model_flops_per_token)} without recomputation)` : '';
  const peak = c.peak_flops_per_gpu !== undefined ? ` of ${whole(c.peak_flops_per_gpu / 1e12)} TFLOP/s peak` : '';
  const utilization = c.hardware_utilization ?? c.mfu;
  const lines = [
    `Compute: ${flops(c.flops_per_token)}/token${model}; ${whole(c.tokens_per_step)} tokens per ${unit}, ` +
      `${duration(c.step_time_s)} per ${unit}, ${whole(c.tokens_per_s)} tokens/s on ${gpus} × ${analysis.gpu.id} ` +
      `at ${Math.round(100 * utilization)}% utilization${peak} (MFU ${Math.round(100 * c.mfu)}%; ` +
      `${utilization === DEFAULT_UTILIZATION ? UTILIZATION_SOURCE : 'utilization given'})`,
  ];
  if (c.total_time_s !== undefined && c.total_flops !== undefined) {
    lines.push(`Whole run: ${flops(c.total_model_flops ?? c.total_flops)}, ${duration(c.total_time_s)} (${whole((c.total_time_s / 3600) * gpus)} GPU hours)`);
  }
  return lines.join('  \n');
}

function sizeLine(estimate: Estimate, job: TrainingJob | null): string {
  const { total, trainable } = estimate.params;
  return (
    `Parameters: ${count(total)} (${count(trainable)} trainable); ` +
    `${flops(estimate.flops_per_step)} per ${job?.inference ? 'generate() call' : 'optimizer step'} (all GPUs)`
  );
}
