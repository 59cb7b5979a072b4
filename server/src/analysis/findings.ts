/**
 * Rules over an analysed script: each finding has a stable code (documented in the README), lands
 * on the text responsible for it, and names the fixes that address it.
 *
 * TL001 error    the job does not fit the GPU
 * TL002 warning  the job fits with under 10% headroom
 * TL003 info     no estimate: the model or its config could not be read
 * TL004 warning  a `# trainlens:` comment TrainLens cannot apply
 * TL005 error    bf16 on a GPU without bf16 support
 * TL007 warning  a DeepSpeed config the script names cannot be read (missing, invalid JSON, outside the workspace)
 * TL006 error    FlashAttention-2 on a GPU older than Ampere (V100, T4)
 * TL008 info     a `tune run` line in a shell script whose config TrainLens cannot open (torchtune-launch.ts)
 */
import type { Node } from 'web-tree-sitter';
import { fa2Supported } from '../../../estimator/src/sim/flash';
import type { Estimate, Gpu, MemoryComponent, TrainingJob } from '../../../estimator/src/types';
import { gib } from '../render/units';
import type { JobSites, ScriptJob } from './script-job';
import type { Finding, Fix, Range } from './types';
import { rangeOf } from './values';

/** A fix TrainLens can apply: edits in this document, in other files, or files to create. */
export function hasEdit(fix: Pick<Fix, 'edits' | 'otherEdits' | 'creates'>): boolean {
  return fix.edits.length > 0 || !!fix.otherEdits?.length || !!fix.creates?.length;
}

/** Fraction of capacity above which a fitting job is reported as tight. */
export const TIGHT_FRACTION = 0.9;

export function scriptFindings(script: ScriptJob, estimate: Estimate | null, gpu: Gpu, fixes: Fix[]): Finding[] {
  const findings: Finding[] = [];
  const { job, sites } = script;
  if (script.deepspeedProblem?.kind === 'unreadable') {
    findings.push({ code: 'TL007', severity: 'warning', range: script.deepspeedProblem.range, message: `${script.deepspeedProblem.reason}; the estimate ignores it` });
  }
  if (!job || !estimate) {
    const model = script.values.model;
    if (model?.source && model.status === 'unknown') {
      findings.push({ code: 'TL003', severity: 'information', message: `TrainLens has no estimate: ${model.reason}`, range: model.source.range });
    }
    return findings;
  }
  const where = oomRange(sites, script);
  const total = estimate.per_gpu.total;
  if (!estimate.fits) {
    const fitting = fixes.filter(hasEdit);
    findings.push({
      code: 'TL001', severity: 'error', range: where,
      message: total > gpu.memory_bytes
        ? `needs ${gib(total)} per GPU; ${gpu.id} has ${gib(gpu.memory_bytes)} (${largest(estimate)})`
        : `needs ${gib(total)} per GPU, within ${gpu.id}'s ${gib(gpu.memory_bytes)}, but the caching allocator runs out of memory at ${estimate.timeline?.oom_at ?? 'the step\'s peak'} (fragmentation and step temporaries)`,
      fixIds: fitting.map((f) => f.id),
    });
  } else if (total > TIGHT_FRACTION * gpu.memory_bytes) {
    findings.push({
      code: 'TL002', severity: 'warning', range: where,
      message: `uses ${gib(total)} of ${gib(gpu.memory_bytes)} per GPU (${Math.round((100 * total) / gpu.memory_bytes)}%): little headroom for fragmentation and spikes`,
      fixIds: fixes.map((f) => f.id),
    });
  }
  const bf16 = bf16Problem(job, gpu, script);
  if (bf16) findings.push(bf16);
  const flash = flashProblem(job, gpu, script);
  if (flash) findings.push(flash);
  return findings;
}

/** flash-attn 2 has kernels for compute capability 8.0 and up only (its README: Ampere, Ada or Hopper). */
function flashProblem(job: TrainingJob, gpu: Gpu, script: ScriptJob): Finding | undefined {
  if (job.attention !== 'flash' || fa2Supported(gpu)) return undefined;
  const source = script.values.attention?.source;
  if (!source) return undefined;
  return { code: 'TL006', severity: 'error', range: source.range, message: `${gpu.id} has no FlashAttention-2 kernels (it needs an Ampere or newer GPU): use attn_implementation="sdpa" (memory-efficient kernel) or another GPU` };
}

function bf16Problem(job: TrainingJob, gpu: Gpu, script: ScriptJob): Finding | undefined {
  if (gpu.bf16 || !job.precision.startsWith('bf16')) return undefined;
  const source = script.values.precision?.source;
  if (!source) return undefined;
  return { code: 'TL005', severity: 'error', range: source.range, message: `${gpu.id} does not support bf16: use fp16 mixed precision (fp16=True) or an Ampere or newer GPU` };
}

/** The micro-batch argument, else the TrainingArguments call, else the model load. */
function oomRange(sites: JobSites, script: ScriptJob): Range {
  const node: Node | undefined = sites.microBatch?.site ?? sites.trainingArgs?.call.childForFieldName('function') ?? sites.model?.anchor;
  if (node) return rangeOf(node);
  const inFile = (f: 'micro_batch' | 'model') => (script.values[f]?.source?.file === script.values.model?.source?.file ? script.values[f]?.source?.range : undefined);
  return inFile('micro_batch') ?? script.values.model?.source?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function largest(estimate: Estimate): string {
  const components: MemoryComponent[] = ['weights', 'gradients', 'optimizer_states', 'activations', 'autocast_weight_copies', 'other'];
  const [name, bytes] = components.map((k) => [k, estimate.per_gpu[k]] as const).sort((a, b) => b[1] - a[1])[0];
  return `largest: ${name.replace(/_/g, ' ')} ${gib(bytes)}`;
}
