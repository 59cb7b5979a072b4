/**
 * What a trainer YAML's launch line adds to its job: the config keys it overrides (set into the YAML's keys before
 * they are read, so every reading of a key sees the line's value and points at the line), the GPU count, and for
 * `accelerate launch` its config file and flags (accelerate/launch-settings.ts, the one reading of them). Both
 * trainers run the Hugging Face Trainer, which builds its Accelerator from what `accelerate launch` exports: a
 * value the YAML states itself stays (as for a script's own values).
 */
import type { TrainingJob } from '../../../estimator/src/types';
import { accelerateSettings, applyAccelerate, launchGpus } from '../accelerate/launch-settings';
import { settleAmpStyle } from '../analysis/job/amp-style';
import type { AnalysisSettings, JobField, ValueInfo } from '../analysis/types';
import type { WorkspaceFiles } from '../workspace/files';
import type { FoundLaunch } from './discover';
import { readYamlMap, type YamlMap, type YamlValue } from './yaml-lite';

type Values = Partial<Record<JobField, ValueInfo>>;

/**
 * The line's overrides set into `root` (values read as YAML scalars, as OmegaConf and axolotl's coercion read
 * them); returns the keys set, with their text. axolotl with `strict: true` takes only keys the YAML has.
 */
export function applyOverrides(root: YamlMap, launch: FoundLaunch | undefined, notes: string[]): Map<string, string> {
  const set = new Map<string, string>();
  const run = launch?.trainer;
  if (!run) return set;
  const strict = run.trainer === 'axolotl' && root.strict === true;
  for (const [path, raw] of run.overrides) {
    const keys = path.split('.');
    if (strict && !Object.hasOwn(root, keys[0])) {
      notes.push(`${path}=${raw} on the command line (${launch.label}) is ignored: the config sets strict: true and has no ${keys[0]} key`);
      continue;
    }
    let node = root;
    for (const key of keys.slice(0, -1)) {
      const next = Object.hasOwn(node, key) ? node[key] : undefined;
      node = next && typeof next === 'object' && !Array.isArray(next) ? next : setKey(node, key, {});
    }
    setKey(node, keys[keys.length - 1], readYamlMap(`v: ${raw}`).v ?? raw);
    set.set(path, raw);
  }
  return set;
}

/**
 * A key set as the map's own, whatever its name: the keys come from a workspace file, and `__proto__=...` or
 * `__proto__.x=...` assigned plainly would replace the map's prototype or write into Object.prototype.
 */
function setKey<T extends YamlValue>(node: YamlMap, key: string, value: T): T {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/**
 * The GPU count and accelerate settings of the launch, applied to the values and the job's fields (`job` has no
 * model where the model is unknown: the values stand anyway). accelerate's config leaves the values the YAML or
 * the line sets (known ones) as they are.
 */
export function applyTrainerLaunch(values: Values, job: Omit<TrainingJob, 'model'>, launch: FoundLaunch, context: { files?: WorkspaceFiles; file: string; settings: AnalysisSettings }, notes: string[]): void {
  const { command } = launch;
  const run = launch.trainer!;
  const accelerate = command.launcher === 'accelerate' ? accelerateSettings(launch, context.files, context.file, notes) : undefined;
  const gpus = launchGpus(command, accelerate);
  if (gpus) {
    job.gpus = gpus;
    values.gpus = { value: gpus, status: 'known', ...(launch.origin ? { source: launch.origin } : {}), reason: `${run.via} in ${launch.label}` };
  } else {
    const why = run.gpusUnstated ?? (command.launcher === 'accelerate'
      ? 'accelerate launch with no --num_processes and no num_processes in a config file: accelerate\'s default config outside the workspace, else every visible GPU, decides'
      : `${command.launcher} states no process count`);
    values.gpus = { value: job.gpus, status: 'assumed', ...(launch.origin ? { source: launch.origin } : {}), reason: `${run.via} in ${launch.label}: ${why}; the GPU count setting (${context.settings.gpus}) stands in` };
  }
  if (!accelerate) return;
  // The Trainer fills DeepSpeed's "auto" values from its own arguments and refuses stated ones that differ
  // (transformers integrations/deepspeed.py, HfTrainerDeepSpeedConfig.trainer_config_finalize): its grad_accum stands.
  const stated = accelerate.gradAccum;
  if (stated && stated.value !== job.grad_accum) notes.push(`${stated.reason} sets gradient_accumulation_steps ${stated.value}, the config ${job.grad_accum}: the Trainer stops at start on DeepSpeed values that mismatch its arguments`);
  delete accelerate.gradAccum;
  applyAccelerate(values, job, accelerate);
  settleAmpStyle(values, job);
}
