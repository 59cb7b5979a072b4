/**
 * The hover on a `tune run` line whose config TrainLens cannot read (TL008 in a shell script): what
 * TrainLens would read from the config once it can, what the line itself sets, and, for one of
 * torchtune's built-in configs, the copy that makes it readable (`tune cp`, torchtune/_cli/cp.py)
 * and the line pointed at the copy, with the destination the diagnostic names.
 */
import { FIELD_LABELS } from '../analysis/fields';
import { configCopy, type UnreadableTuneRun } from '../analysis/torchtune-launch';
import type { JobField } from '../analysis/types';
import { bulletList, code, escapeMarkdown } from './markdown';

/**
 * The keys of a torchtune config that decide memory, as analysis/torchtune-job.ts reads them (in the
 * order it tries them); a test checks each against that analysis.
 */
export const TORCHTUNE_KEYS: { field: JobField; keys: string[]; note?: string }[] = [
  { field: 'model', keys: ['model._component_'], note: 'the model builder, with its LoRA/QLoRA arguments' },
  { field: 'micro_batch', keys: ['batch_size'] },
  { field: 'grad_accum', keys: ['gradient_accumulation_steps'] },
  { field: 'seq_len', keys: ['tokenizer.max_seq_len', 'dataset.max_seq_len'] },
  { field: 'precision', keys: ['dtype'] },
  { field: 'optimizer', keys: ['optimizer._component_'] },
  { field: 'grad_checkpointing', keys: ['enable_activation_checkpointing'] },
  { field: 'fsdp', keys: ['fsdp_cpu_offload', 'fsdp_reshard_after_forward'], note: 'distributed recipes' },
];

/** Overrides named in full up to this many; then a count. */
const MAX_OVERRIDES = 6;

export function tuneLaunchMarkdown(launch: UnreadableTuneRun): string {
  const { run, reason } = launch;
  const sections = [`**TrainLens**: ${code(`tune run ${run.recipe}`)} with ${reason ? 'the config' : 'the built-in config'} ${code(run.config)}`];
  sections.push(reason
    ? `${escapeMarkdown(reason)}: TrainLens cannot read this config, so the run has no memory estimate.`
    : `${code(run.config)} ships inside the torchtune package, outside the workspace: TrainLens does not open it and does not guess its values, ` +
      'so the model, batch, sequence length, precision and the rest are unknown and the run has no memory estimate.');
  const keys = TORCHTUNE_KEYS.map(({ field, keys: ks, note }) => `${FIELD_LABELS[field]}: ${ks.map(code).join(' or ')}${note ? ` (${note})` : ''}`);
  sections.push(`Once the config is ${reason ? 'readable' : 'copied into the workspace'}, TrainLens reads from it:\n\n${bulletList(keys)}`);
  sections.push(`From this line it also takes:\n\n${bulletList(lineValues(launch))}`);
  if (!reason) sections.push(copySteps(launch));
  return sections.join('\n\n');
}

/** What the launch line sets whatever the config holds: its processes, and the overrides applied over the config. */
function lineValues({ run }: UnreadableTuneRun): string[] {
  const processes = run.gpusPerNode > 1 || run.nodes > 1
    ? `, ${run.gpusPerNode} process${run.gpusPerNode === 1 ? '' : 'es'} per node${run.nodes > 1 ? ` × ${run.nodes} nodes` : ''}` : '';
  const out = [`the recipe ${code(run.recipe)}${processes}`];
  const overrides = [...run.overrides].map(([key, value]) => code(value === undefined ? `~${key}` : `${key}=${value}`));
  if (overrides.length) {
    const more = overrides.length > MAX_OVERRIDES ? ` and ${overrides.length - MAX_OVERRIDES} more` : '';
    out.push(`${overrides.length === 1 ? 'the override' : 'the overrides'} ${overrides.slice(0, MAX_OVERRIDES).join(', ')}${more}, applied over the config`);
  }
  return out;
}

/** `tune cp` into the folder the script is launched from (torchtune reads --config from there; TrainLens from the script's folder, then the workspace's). */
function copySteps({ run, text }: UnreadableTuneRun): string {
  const copy = configCopy(run.config);
  const pointed = pointedAtCopy(text, run.config, copy);
  const point = pointed
    ? `point ${code('--config')} at the copy:\n\n   ${code(pointed)}`
    : `point ${code('--config')} at the copy: this line names the config through a variable; set it to ${code(copy)}`;
  return `To estimate it, in the folder the script is launched from:\n\n1. copy the config: ${code(`tune cp ${run.config} ${copy}`)}\n2. ${point}`;
}

/** The launch line with the config's name replaced by the copy, or undefined when the line does not write the name itself. */
function pointedAtCopy(text: string, config: string, copy: string): string | undefined {
  const escaped = config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const written = new RegExp(`(^|[\\s='"])${escaped}(?=['"]?(\\s|$))`);
  if (!written.test(text)) return undefined;
  return squeezeSpaces(text.replace(written, (_, before: string) => `${before}${copy}`));
}

/** Runs of blanks (left by joined continuation lines) as one space, except inside quotes. */
function squeezeSpaces(text: string): string {
  let out = '';
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (/\s/.test(c)) {
      if (!out.endsWith(' ')) out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}
