/** A launch command's script arguments as the evaluator takes them, each with where it was written. */
import type { ScriptArgs } from '../python/script-args';
import type { FoundLaunch } from './discover';

export function scriptArgsOf(launch: FoundLaunch | undefined): ScriptArgs {
  const args: ScriptArgs = new Map();
  for (const [key, raw] of launch?.command.scriptArgs ?? []) args.set(key, { raw, label: launch!.label, ...(launch!.origin ? { origin: launch!.origin } : {}) });
  return args;
}
