/**
 * Which command launches a script: the one the user chose (the CLI's --command, or a
 * `# trainlens: launcher=path` comment), else the shell scripts in the workspace that run it
 * (the first, by path; the others are listed so the user can pick). The same search finds the lines that
 * run a trainer YAML (trainer-launch.ts), matched by the config's path instead of the script's.
 */
import { lstatSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkspaceFiles } from '../workspace/files';
import { realOrUndefined, rootOf, uriToPath } from '../workspace/files';
import { parseLaunchCommand, type LaunchCommand } from './command';
import { assignment, logicalLines } from './shell';
import type { TrainerRun } from './trainer-launch';

export interface FoundLaunch {
  command: LaunchCommand;
  /** "scripts/train.sh line 4" or "--command". */
  label: string;
  /** The launcher file and line, when the command is in a file. */
  origin?: { file: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } };
  /** Other launchers of the same script (labels). */
  alternatives: string[];
  /** Those other launches themselves, in the order of `alternatives`: what the script's values are under each. */
  others?: FoundLaunch[];
  /** Variables the launcher file exports before the command (`export BATCH_SIZE=8`), with their 0-based lines. */
  exported?: Map<string, { value: string; line: number }>;
  /** A trainer CLI's run of a config (llamafactory-cli, axolotl): which trainer, the config, its command-line overrides. */
  trainer?: TrainerRun;
}

export function findLaunch(scriptUri: string, files: WorkspaceFiles | undefined, command?: string, launcherRef?: string): FoundLaunch | undefined {
  if (command) {
    const parsed = parseLaunchCommand(command);
    return parsed ? { command: parsed, label: '--command', alternatives: [] } : undefined;
  }
  return findLaunchIn(scriptUri, files, (text, vars) => {
    const command = parseLaunchCommand(text, vars);
    return command && { command, target: command.script };
  }, launcherRef);
}

/**
 * Why a `# trainlens: launcher=<file>` comment gave no launch, said rather than ignored: the file cannot be read
 * (missing, outside the workspace), or no line of it runs this file.
 */
export function unusedLauncher(targetUri: string, files: WorkspaceFiles, launcherRef: string): string {
  const ref = files.read(launcherRef, targetUri);
  const why = ref.ok ? `no line of it runs ${basename(uriToPath(targetUri) ?? targetUri)}` : ref.reason;
  return `# trainlens: launcher=${launcherRef}: ${why}; read without a launcher`;
}

/** One launch line as read for some file: the command, and that file's path as the line writes it. */
export interface LaunchLine { command: LaunchCommand; target: string; trainer?: TrainerRun }

/** Reads a line with the shell variables assigned before it and those exported (the launched process's environment). */
export type LineReader = (text: string, vars: Map<string, string>, exported: Map<string, { value: string; line: number }>) => LaunchLine | undefined;

/**
 * The launch lines of the workspace's shell scripts (or of the one `launcherRef` names) that run `targetUri`,
 * as `read` reads a line: a script, or a config that a trainer CLI reads (trainer-launch.ts).
 */
export function findLaunchIn(targetUri: string, files: WorkspaceFiles | undefined, read: LineReader, launcherRef?: string): FoundLaunch | undefined {
  const scriptPath = uriToPath(targetUri);
  if (!files || !scriptPath) return undefined;
  const shells = launcherRef ? [] : files.list((name) => /\.(sh|bash)$/.test(name));
  const found: FoundLaunch[] = [];
  if (launcherRef) {
    const ref = files.read(launcherRef, targetUri);
    if (ref.ok) found.push(...launchesIn(ref.path, ref.text, scriptPath, files.roots, read));
  }
  const name = basename(scriptPath);
  for (const shell of shells.sort()) {
    const stamped = stamp(shell); // before the read: a change after it gives the file a new stamp
    if (stamped && knownNotToName(shell, stamped, name)) continue;
    const shellText = files.read(shell, targetUri);
    if (!shellText.ok) continue;
    // most shell scripts of a workspace never name this one: not worth splitting into lines
    if (!shellText.text.includes(name)) {
      if (stamped) rememberNotNaming(shell, stamped, name);
      continue;
    }
    found.push(...launchesIn(shellText.path, shellText.text, scriptPath, files.roots, read));
    if (found.length >= 8) break;
  }
  if (!found.length) return undefined;
  return { ...found[0], alternatives: found.slice(1).map((f) => f.label), others: found.slice(1) };
}

/**
 * Shell scripts found not to name a script, by path, while they keep their size and modification time: every
 * analysis of a script looks for its launchers, and a workspace can hold hundreds of shell scripts that name
 * other scripts; an lstat is a fraction of a read (a file replaced, or turned into a symlink, is read again).
 */
const notNaming = new Map<string, Stamp & { names: Set<string> }>();
const NOT_NAMING_CAPACITY = 2000;

interface Stamp { size: number; mtimeMs: number }

function stamp(path: string): Stamp | undefined {
  try {
    const { size, mtimeMs } = lstatSync(path);
    return { size, mtimeMs };
  } catch {
    return undefined;
  }
}

function knownNotToName(shell: string, now: Stamp, name: string): boolean {
  const known = notNaming.get(shell);
  return !!known?.names.has(name) && known.size === now.size && known.mtimeMs === now.mtimeMs;
}

function rememberNotNaming(shell: string, now: Stamp, name: string): void {
  const known = notNaming.get(shell);
  if (known && known.size === now.size && known.mtimeMs === now.mtimeMs) {
    known.names.add(name);
    return;
  }
  if (!known && notNaming.size >= NOT_NAMING_CAPACITY) notNaming.delete(notNaming.keys().next().value!);
  notNaming.set(shell, { ...now, names: new Set([name]) });
}

function launchesIn(shellPath: string, text: string, scriptPath: string, roots: string[], read: LineReader): FoundLaunch[] {
  const vars = new Map<string, string>();
  const exported = new Map<string, { value: string; line: number }>();
  const out: FoundLaunch[] = [];
  const root = rootOf(roots, shellPath) ?? dirname(shellPath);
  let cd = '';
  for (const line of logicalLines(text)) {
    if (exportLine(line.text, line.line, vars, exported) || assignment(line.text, vars)) continue;
    const changed = /^cd\s+(["']?)([^"'\s;&|$`]+)\1\s*(?:$|&&\s*)/.exec(line.text);
    if (changed) cd = join(cd, changed[2]);
    if (!line.text.includes(basename(scriptPath))) continue;
    const launch = read(changed ? line.text.slice(changed[0].length) : line.text, vars, exported);
    if (!launch || !sameScript(join(cd, launch.target), scriptPath, shellPath, root)) continue;
    const label = `${relative(root, shellPath) || basename(shellPath)} line ${line.line + 1}`;
    out.push({ command: launch.command, ...(launch.trainer ? { trainer: launch.trainer } : {}), label, origin: { file: pathToFileURL(shellPath).href, range: { start: { line: line.line, character: 0 }, end: { line: line.line, character: line.text.length } } }, alternatives: [], exported: new Map(exported) });
  }
  return out;
}

/**
 * The launcher runs from the workspace root or its own folder (after any plain `cd DIR` in it); either way the
 * path must name this script: a `train.py` in another folder is another script. Symlinks resolved on both sides:
 * the roots and shell scripts come with their real paths, the script with the path it was opened at (a workspace
 * opened through a symlinked folder).
 */
function sameScript(written: string, scriptPath: string, shellPath: string, root: string): boolean {
  const real = (path: string) => realOrUndefined(path) ?? path;
  const candidates = [resolve(root, written), resolve(dirname(shellPath), written)];
  return candidates.includes(scriptPath) || candidates.map(real).includes(real(scriptPath));
}

/** `export NAME=value` (assigned and exported) or `export NAME` (an earlier shell variable exported). */
function exportLine(text: string, line: number, vars: Map<string, string>, exported: Map<string, { value: string; line: number }>): boolean {
  const bare = /^export\s+([A-Za-z_]\w*)\s*$/.exec(text);
  if (bare) {
    const value = vars.get(bare[1]);
    if (value !== undefined) exported.set(bare[1], { value, line });
    return true;
  }
  if (!/^export\s/.test(text) || !assignment(text, vars)) return false;
  const name = /^export\s+([A-Za-z_]\w*)=/.exec(text)![1];
  exported.set(name, { value: vars.get(name) ?? '', line });
  return true;
}
