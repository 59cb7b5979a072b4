/** A launch command as the evaluator takes it: the script's arguments, its command line and its environment, each with where it was written. */
import type { EvalEnvironment } from '../python/environment';
import type { ScriptArgs } from '../python/script-args';
import type { FoundLaunch } from './discover';
import { launchEnvironment } from './environment';

export function scriptArgsOf(launch: FoundLaunch | undefined): ScriptArgs {
  const args: ScriptArgs = new Map();
  for (const [key, raw] of launch?.command.scriptArgs ?? []) args.set(key, { raw, label: launch!.label, ...(launch!.origin ? { origin: launch!.origin } : {}) });
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
