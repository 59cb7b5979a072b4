/**
 * What the launch command adds to the job: the GPU count (processes × nodes) and, for
 * `accelerate launch`, the settings of its config file and flags (server/src/accelerate/launch-settings.ts).
 */
import type { TrainingJob } from '../../../../estimator/src/types';
import { accelerateSettings, applyAccelerate, launchGpus } from '../../accelerate/launch-settings';
import type { FoundLaunch } from '../../launch/discover';
import type { JobContext } from './context';
import { settleAmpStyle } from './amp-style';

export function applyLaunch(ctx: JobContext, job: TrainingJob, launch: FoundLaunch, gpusExplicit: boolean): string[] {
  const notes: string[] = [];
  const { command } = launch;
  const accelerate = command.launcher === 'accelerate' ? accelerateSettings(launch, ctx.files, ctx.file, notes) : undefined;
  const gpus = launchGpus(command, accelerate);
  if (gpus && !gpusExplicit) {
    job.gpus = gpus;
    ctx.values.gpus = { value: job.gpus, status: 'known', ...(launch.origin ? { source: launch.origin } : {}), reason: `${command.launcher} in ${launch.label}` };
  }
  if (accelerate) {
    const readPrecision = ctx.values.precision;
    applyAccelerate(ctx.values, job, accelerate);
    // A precision the accelerate config replaced is new evidence (its mixed_precision over TRL's assumed
    // default): the style follows it even where it is the same style.
    if (ctx.values.precision !== readPrecision) delete ctx.values.amp_style;
    settleAmpStyle(ctx.values, job);
  }
  if (launch.alternatives.length) notes.push(`launched by ${launch.label}; also by ${launch.alternatives.join(', ')} (pick one with a "# trainlens: launcher=<file>" comment)`);
  return notes;
}
