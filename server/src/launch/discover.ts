/**
 * Which command launches a script: the one the user chose (the CLI's --command, or a
 * `# trainlens: launcher=path` comment), else the shell scripts in the workspace that run it
 * (the first, by path; the others are listed so the user can pick).
 */
import { basename, dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkspaceFiles } from '../workspace/files';
import { uriToPath } from '../workspace/files';
import { parseLaunchCommand, type LaunchCommand } from './command';
import { assignment, logicalLines } from './shell';

export interface FoundLaunch {
  command: LaunchCommand;
  /** "scripts/train.sh line 4" or "--command". */
  label: string;
  /** The launcher file and line, when the command is in a file. */
  origin?: { file: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } };
  /** Other launchers of the same script (labels). */
  alternatives: string[];
}

export function findLaunch(scriptUri: string, files: WorkspaceFiles | undefined, command?: string, launcherRef?: string): FoundLaunch | undefined {
  if (command) {
    const parsed = parseLaunchCommand(command);
    return parsed ? { command: parsed, label: '--command', alternatives: [] } : undefined;
  }
  const scriptPath = uriToPath(scriptUri);
  if (!files || !scriptPath) return undefined;
  const shells = launcherRef ? [] : files.list((name) => /\.(sh|bash)$/.test(name));
  const found: FoundLaunch[] = [];
  if (launcherRef) {
    const read = files.read(launcherRef, scriptUri);
    if (read.ok) found.push(...launchesIn(read.path, read.text, scriptPath, files.roots));
  }
  for (const shell of shells.sort()) {
    const read = files.read(shell, scriptUri);
    if (read.ok) found.push(...launchesIn(read.path, read.text, scriptPath, files.roots));
    if (found.length >= 8) break;
  }
  if (!found.length) return undefined;
  return { ...found[0], alternatives: found.slice(1).map((f) => f.label) };
}

function launchesIn(shellPath: string, text: string, scriptPath: string, roots: string[]): FoundLaunch[] {
  const vars = new Map<string, string>();
  const out: FoundLaunch[] = [];
  const root = roots.find((r) => shellPath.startsWith(r)) ?? dirname(shellPath);
  for (const line of logicalLines(text)) {
    if (assignment(line.text, vars)) continue;
    if (!line.text.includes(basename(scriptPath))) continue;
    const command = parseLaunchCommand(line.text, vars);
    if (!command || !sameScript(command.script, scriptPath, shellPath, root)) continue;
    const label = `${relative(root, shellPath) || basename(shellPath)} line ${line.line + 1}`;
    out.push({ command, label, origin: { file: pathToFileURL(shellPath).href, range: { start: { line: line.line, character: 0 }, end: { line: line.line, character: line.text.length } } }, alternatives: [] });
  }
  return out;
}

/** The launcher runs from the workspace root or its own folder; either way the script must be ours. */
function sameScript(written: string, scriptPath: string, shellPath: string, root: string): boolean {
  return [resolve(root, written), resolve(dirname(shellPath), written)].includes(scriptPath) || written === basename(scriptPath) && basename(written) === basename(scriptPath) && !written.includes('/');
}
