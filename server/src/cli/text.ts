/** Plain-text rendering of an Analysis for the terminal: the job, the breakdown, the verdict, the fixes. */
import type { MemoryComponent } from '../../../estimator/src/types';
import { countParams } from '../../../estimator/src';
import { count, duration, gib } from '../render/units';
import { FIELD_LABELS, formatValue, shownApart } from '../analysis/fields';
import type { Analysis, JobField } from '../analysis/types';
import { isShellScript } from '../workspace/discover';

const COMPONENTS: [MemoryComponent, string][] = [
  ['weights', 'weights'], ['gradients', 'gradients'], ['optimizer_states', 'optimizer states'],
  ['activations', 'activations'], ['autocast_weight_copies', 'autocast weight copies'], ['other', 'other'],
];

/** The best combination of changes that fits, from the planner, for jobs no single fix rescues. */
export interface BestPlan { title: string; per_gpu_total_bytes: number; step_time_s: number }

export function textReport(analysis: Analysis, displayName: string, verbose: boolean, bestPlan?: BestPlan): string {
  if (isShellScript(analysis.file)) return [shellHead(analysis, displayName), ...findingLines(analysis)].join('\n');
  const out: string[] = [];
  const { job, estimate, gpu } = analysis;
  if (!job || !estimate) {
    const reason = analysis.values.model?.reason ?? 'no training job found';
    out.push(`${displayName}: no estimate (${reason})`);
    return out.concat(findingLines(analysis)).join('\n');
  }
  const params = countParams(job.model, job.peft);
  const gpus = job.gpus > 1 ? ` × ${job.gpus}` : '';
  out.push(`${displayName}: ${estimate.fits ? 'fits' : 'DOES NOT FIT'} on ${gpu.id}${gpus}: ${gib(estimate.per_gpu.total)} of ${gib(gpu.memory_bytes)} per GPU`);
  out.push('', 'Job:');
  out.push(`  ${'model'.padEnd(28)} ${job.model.id} (${job.model.family}, ${count(params.total)} params, ${count(params.trainable)} trainable)`);
  const fields: JobField[] = ['micro_batch', 'grad_accum', 'seq_len', 'precision', 'amp_style', 'optimizer', 'grad_checkpointing', 'attention', 'peft'];
  for (const field of fields.filter((f) => shownApart(f, analysis.values[f]))) {
    const info = analysis.values[field];
    const status = info && info.status !== 'known' ? `  [${info.status}${info.reason ? `: ${info.reason}` : ''}]` : '';
    out.push(`  ${FIELD_LABELS[field].padEnd(28)} ${formatValue(info ? info.value : (job as unknown as Record<string, unknown>)[field])}${verbose || status ? status : ''}`);
  }
  out.push('', 'Memory per GPU:');
  for (const [key, label] of COMPONENTS) out.push(`  ${label.padEnd(24)} ${gib(estimate.per_gpu[key]).padStart(10)}`);
  out.push(`  ${'total'.padEnd(24)} ${gib(estimate.per_gpu.total).padStart(10)}   (${gpu.id} has ${gib(gpu.memory_bytes)})`);
  const host = estimate.host;
  if (host && (host.cpu_bytes > 0 || host.nvme_bytes > 0)) {
    out.push(`  ${'host memory (offload)'.padEnd(24)} ${gib(host.cpu_bytes).padStart(10)} CPU${host.nvme_bytes ? `, ${gib(host.nvme_bytes)} NVMe` : ''}`);
  }
  if (verbose && estimate.notes.length) out.push('', 'Notes:', ...estimate.notes.map((n) => `  - ${n}`));
  out.push(...findingLines(analysis));
  const fixes = analysis.fixes;
  if (fixes.length) {
    out.push('', estimate.fits ? 'Changes that save memory:' : 'Fixes:');
    for (const fix of fixes) out.push(`  - ${fix.title}${fix.fits_after ? ' (fits)' : estimate.fits ? '' : ` (still does not fit${outOfMemoryAt(fix.oom_at_after)})`}`);
  }
  if (bestPlan) {
    out.push('', `No single change fits; the fastest combination that does (trainlens plan ${displayName} lists more):`,
      `  ${bestPlan.title}: ${gib(bestPlan.per_gpu_total_bytes)} per GPU, ${duration(bestPlan.step_time_s)} per step`);
  }
  return out.join('\n');
}

/** A shell script has no job of its own: what it launches is estimated in the files it runs. */
function shellHead(analysis: Analysis, displayName: string): string {
  const n = analysis.findings.length;
  return `${displayName}: shell script, ${n ? `${n} finding${n === 1 ? '' : 's'}` : 'no findings (its launch lines apply to the scripts and configs they run)'}`;
}

function findingLines(analysis: Analysis): string[] {
  if (!analysis.findings.length) return [];
  return ['', 'Findings:', ...analysis.findings.map((f) => `  ${f.range.start.line + 1}:${f.range.start.character + 1} ${f.severity} ${f.code}: ${f.message}`)];
}

/** ": the allocator runs out of memory at backward:layer 3": why a total within capacity still does not fit. */
function outOfMemoryAt(phase: string | undefined): string {
  return phase ? `: the caching allocator runs out of memory at ${phase}` : '';
}
