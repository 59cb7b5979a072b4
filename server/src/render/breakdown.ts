/**
 * The memory breakdown of an Analysis as Markdown: what a hover shows, and what the CLI prints.
 */
import type { Analysis, HoverAnchor } from '../analysis/types';
import type { Estimate, MemoryComponent, TrainingJob } from '../../../estimator/src/types';
import { bulletList, code, escapeMarkdown, table } from './markdown';
import { provenanceLine, unknownValueLines } from './provenance';
import { count, flops, gib } from './units';

const COMPONENT_ROWS: [MemoryComponent, string][] = [
  ['weights', 'Weights'],
  ['gradients', 'Gradients'],
  ['optimizer_states', 'Optimizer states'],
  ['activations', 'Activations'],
  ['autocast_weight_copies', 'Autocast weight copies'],
  ['other', 'Other (CUDA context, buffers)'],
];

/**
 * Title, breakdown table (components, total per GPU, capacity, fits), parameter and compute
 * counts, the provenance of the anchored value, and every assumption behind the numbers.
 */
export function breakdownMarkdown(analysis: Analysis, anchor?: HoverAnchor): string {
  const sections = [title(analysis)];
  if (analysis.estimate) {
    sections.push(memoryTable(analysis.estimate, analysis), sizeLine(analysis.estimate));
  } else {
    sections.push('No memory estimate: TrainLens could not work out the training job in this file.');
    const unknown = unknownValueLines(analysis);
    if (unknown.length > 0) sections.push(bulletList(unknown));
  }
  const anchored = anchor?.field ?? (anchor?.kind === 'model' ? 'model' : undefined);
  const provenance = anchored && provenanceLine(analysis, anchored);
  if (provenance) sections.push(provenance);
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
  const parts = [`micro-batch ${job.micro_batch} × ${job.seq_len} tokens`, job.precision, job.optimizer];
  if (job.grad_checkpointing) parts.push('gradient checkpointing');
  if (job.peft) parts.push(`LoRA r=${job.peft.r}`);
  return parts.join(', ');
}

function memoryTable(estimate: Estimate, analysis: Analysis): string {
  const rows: [string, string][] = COMPONENT_ROWS.map(([key, label]) => [label, gib(estimate.per_gpu[key])]);
  rows.push(['**Total per GPU**', `**${gib(estimate.per_gpu.total)}**`]);
  rows.push([`Capacity (${analysis.gpu.id})`, gib(estimate.capacity_bytes)]);
  rows.push(['Fits', fitsCell(estimate)]);
  return table(['Memory per GPU', 'Size'], rows);
}

function fitsCell(estimate: Estimate): string {
  const margin = Math.abs(estimate.capacity_bytes - estimate.per_gpu.total);
  return estimate.fits ? `✓ yes, ${gib(margin)} free` : `✗ no, ${gib(margin)} over`;
}

function sizeLine(estimate: Estimate): string {
  const { total, trainable } = estimate.params;
  return (
    `Parameters: ${count(total)} (${count(trainable)} trainable); ` +
    `${flops(estimate.flops_per_step)} per optimizer step (all GPUs)`
  );
}
