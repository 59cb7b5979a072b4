/** A launch command as the evaluator takes it: the script's arguments, its command line and its environment, each with where it was written. */
import type { EvalEnvironment } from '../python/environment';
import type { ScriptArgs } from '../python/script-args';
import type { FoundLaunch } from './discover';
import { launchEnvironment } from './environment';

export function scriptArgsOf(launch: FoundLaunch | undefined): ScriptArgs {
  const args: ScriptArgs = new Map();
  if (!launch) return args;
  const origin = launch.origin ? { origin: launch.origin } : {};
  for (const [key, raw] of launch.command.scriptArgs) args.set(key, { raw, label: launch.label, ...origin });
  // Each process gets its own local rank; they train alike, so the first process's is read.
  if (launch.command.passesLocalRank && !args.has('local_rank')) {
    args.set('local_rank', { raw: '0', label: `added by ${launch.command.launcher === 'deepspeed' ? 'the deepspeed launcher' : 'torch.distributed.launch'} in ${launch.label} to each process, the first process's`, ...origin });
  }
  return args;
}

/** What a launch tells the evaluator beside the arguments: the process environment and the command-line words. */
export function launchContext(launch: FoundLaunch | undefined): Pick<EvalEnvironment, 'environ' | 'launcher' | 'argv'> {
  if (!launch) return {};
  const origin = launch.origin ? { origin: launch.origin } : {};
  return {
    environ: launchEnvironment(launch),
    launcher: `${launch.command.launcher} in ${launch.label}`,
    argv: { words: launch.command.scriptWords ?? [], label: launch.label, ...(launch.origin ? { fromUri: launch.origin.file } : {}), ...origin },
  };
}
