/**
 * Which shell scripts the workspace view can pass over unread. Only a `tune run` line gives a shell script a
 * finding of its own (TL008), and a workspace can hold hundreds of shell scripts that run other things; the view
 * lists the workspace again after every save. A script found not to mention `tune` is not read again while its
 * size and modification time stay the same (a stat is a fraction of a read), as the launcher search does
 * (launch/discover.ts). A script that does mention it is read each time: its findings depend on other files
 * (whether the config it names exists), so they are never cached.
 */
import { statSync } from 'node:fs';
import type { ReadResult } from './files';

interface Stamp { size: number; mtimeMs: number }

/** `tune` as a word: the command (`tune`, `/opt/bin/tune`) or a variable holding it; not `finetune` or `fine_tune`. */
const MENTIONS_TUNE = /\btune\b/;
const CAPACITY = 2000;
const withoutTune = new Map<string, Stamp>();

/** The script's text when it may hold a `tune run` line (`read` is called at most once), else undefined. */
export function readIfTuneRun(path: string, read: () => ReadResult): ReadResult | undefined {
  const stamp = stampOf(path); // before the read: a change after it gives the file a new stamp
  const known = withoutTune.get(path);
  if (stamp && known && known.size === stamp.size && known.mtimeMs === stamp.mtimeMs) return undefined;
  const result = read();
  if (!result.ok || MENTIONS_TUNE.test(result.text)) return result;
  if (stamp) {
    if (!known && withoutTune.size >= CAPACITY) withoutTune.delete(withoutTune.keys().next().value!);
    withoutTune.set(path, stamp);
  }
  return undefined;
}

/** Followed through a symlink: the view lists symlinked scripts, and an edit changes the target's stamp. */
function stampOf(path: string): Stamp | undefined {
  try {
    const { size, mtimeMs } = statSync(path);
    return { size, mtimeMs };
  } catch {
    return undefined;
  }
}
