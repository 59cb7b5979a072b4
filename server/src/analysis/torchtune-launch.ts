/**
 * `tune run` launch lines for a torchtune config: `tune run [torchrun options] <recipe> --config
 * <file.yaml> [key=value ...]` (torchtune/_cli/run.py: options before the recipe go to torchrun,
 * `key=value` after it are OmegaConf dotlist overrides, `~key` removes a key). Found in the
 * workspace's shell scripts (the config resolved relative to the script, then the workspace) or
 * given whole as the `command` setting. Nothing is executed.
 */
import { realpathSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rootOf, uriToPath, type WorkspaceFiles } from '../workspace/files';
import { assignment, logicalLines, words } from '../launch/shell';
import type { Finding, Range } from './types';

export interface TuneRun {
  recipe: string;
  config: string;
  /** torchrun's --nproc_per_node (default 1) and --nnodes. */
  gpusPerNode: number;
  nodes: number;
  /** Dotted key → value as written; `undefined` for a `~key` removal. */
  overrides: Map<string, string | undefined>;
}

export interface FoundTuneRun {
  run: TuneRun;
  /** "scripts/finetune.sh line 3" or "--command". */
  label: string;
  origin?: { file: string; range: Range };
  /** Other launch lines that run the same config (labels), and what they run. */
  alternatives: string[];
  others: TuneRun[];
}

/** torchrun flags that take no value. */
const BOOLEAN_FLAGS = new Set(['standalone', 'no_python', 'module', 'm', 'run_path']);

export function parseTuneRun(line: string, vars?: Map<string, string>): TuneRun | undefined {
  const all = words(line, vars);
  const cut = all.findIndex((w) => w === ';' || w === '&' || w === '|');
  const ws = cut >= 0 ? all.slice(0, cut) : all;
  const at = ws.findIndex((w, i) => basename(w) === 'tune' && ws[i + 1] === 'run');
  // before it: environment assignments and wrappers (exec, nohup, srun and its options), never a command that only prints
  if (at < 0 || ['echo', 'printf'].includes(ws[0])) return undefined;
  const rest = ws.slice(at + 2);
  const launcher = new Map<string, string | true>();
  let i = 0;
  for (; i < rest.length && rest[i].startsWith('-'); i++) {
    const [flag, inline] = split(rest[i]);
    if (inline !== undefined) launcher.set(flag, inline);
    else if (BOOLEAN_FLAGS.has(flag) || i + 1 >= rest.length || rest[i + 1].startsWith('-')) launcher.set(flag, true);
    else launcher.set(flag, rest[++i]);
  }
  const recipe = rest[i++];
  if (!recipe) return undefined;
  let config: string | undefined;
  const overrides = new Map<string, string | undefined>();
  for (; i < rest.length; i++) {
    const [flag, inline] = rest[i].startsWith('-') ? split(rest[i]) : ['', undefined];
    if (flag === 'config' || flag === 'c') config = inline ?? rest[++i];
    else if (/^~[\w.]+$/.test(rest[i])) overrides.set(rest[i].slice(1), undefined);
    else {
      const m = /^([\w.]+)=(.*)$/.exec(rest[i]);
      if (m) overrides.set(m[1], m[2]);
    }
  }
  if (!config) return undefined;
  const count = (key: string, fallback: number) => {
    const v = launcher.get(key);
    const n = typeof v === 'string' ? parseInt(v.split(':').pop()!, 10) : NaN;
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return { recipe, config, gpusPerNode: count('nproc_per_node', 1), nodes: count('nnodes', 1), overrides };
}

function split(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  const name = (eq > 0 ? word.slice(0, eq) : word).replace(/^-+/, '').replace(/-/g, '_');
  return [name, eq > 0 ? word.slice(eq + 1) : undefined];
}

/**
 * A `--config` naming a config that ships inside the torchtune package (`llama3_1/8B_lora_single_device`):
 * torchtune/_cli/run.py looks the name up in its recipe registry, whose names carry no `.yaml`, before
 * reading it as a path. It lives in site-packages, outside the workspace: TrainLens does not open it.
 */
export function isBuiltInConfig(config: string): boolean {
  return !/\.ya?ml$/i.test(config);
}

/**
 * Where the message and the hover suggest copying a built-in config to: a file named after it
 * (`llama3_1/8B_lora` → `./8B_lora.yaml`), so two configs of one script get two copies.
 */
export function configCopy(config: string): string {
  const name = config.split('/').pop()!.replace(/[^\w.-]/g, '_');
  return `./${name || 'config'}.yaml`;
}

/** What TrainLens cannot open, and the copy that lets it read the run (`tune cp`, torchtune/_cli/cp.py). */
export function builtInConfigMessage(run: TuneRun): string {
  return `\`${run.config}\` is a config that ships inside the torchtune package, outside the workspace: TrainLens does not open it ` +
    `and does not guess its values. To estimate this run, copy it into the workspace with \`tune cp ${run.config} ${configCopy(run.config)}\` ` +
    `and point --config at the copy: \`tune run ${run.recipe} --config ${configCopy(run.config)}\``;
}

/** A `tune run` line of a shell script whose config TrainLens cannot read, for the hover on its TL008. */
export interface UnreadableTuneRun {
  run: TuneRun;
  /** The config's name where the line writes it (the finding's range), else the line. */
  range: Range;
  /** The launch line as written, continuation lines joined and comments dropped. */
  text: string;
  /** Why a config file cannot be read ("configs/gone.yaml: no such file"); absent for a built-in config. */
  reason?: string;
}

/** A shell script's `tune run` lines whose config TrainLens cannot read (a built-in name, a missing file): TL008 on each. */
export function unreadableTuneConfigs(text: string, uri: string, files: WorkspaceFiles | undefined): { findings: Finding[]; unreadableTuneRuns: UnreadableTuneRun[] } {
  const findings: Finding[] = [];
  const unreadableTuneRuns: UnreadableTuneRun[] = [];
  const physical = text.split(/\r?\n/);
  const vars = new Map<string, string>();
  for (const line of logicalLines(text)) {
    if (assignment(line.text, vars)) continue;
    const run = parseTuneRun(line.text, vars);
    if (!run) continue;
    const read = isBuiltInConfig(run.config) ? undefined : files?.read(run.config, uri);
    if (read?.ok) continue;
    const message = read ? `${read.reason}: TrainLens cannot read the config of \`tune run ${run.recipe}\`` : builtInConfigMessage(run);
    const range = wordRange(physical, line.line, run.config);
    findings.push({ code: 'TL008', severity: 'information', message, range });
    unreadableTuneRuns.push({ run, range, text: line.text, ...(read ? { reason: read.reason } : {}) });
  }
  return { findings, unreadableTuneRuns };
}

/** The first place `word` is written from `line` on (a launch line may continue over several), else that line. */
function wordRange(physical: string[], line: number, word: string): Range {
  for (let l = line; l < physical.length && l <= line + 32; l++) {
    const at = physical[l].indexOf(word);
    if (at >= 0) return { start: { line: l, character: at }, end: { line: l, character: at + word.length } };
    if (!/\\\s*$/.test(physical[l])) break;
  }
  return { start: { line, character: 0 }, end: { line, character: physical[line]?.length ?? 0 } };
}

/**
 * The launch of the config at `configUri`: the `command` setting when it is a `tune run` line (one running a
 * built-in config does not run this file: torchtune-job.ts says so), else the workspace's shell scripts.
 */
export function findTuneRun(configUri: string, files: WorkspaceFiles | undefined, command?: string): FoundTuneRun | undefined {
  if (command) {
    const run = parseTuneRun(command);
    return run && !isBuiltInConfig(run.config) ? { run, label: '--command', alternatives: [], others: [] } : undefined;
  }
  const written = uriToPath(configUri);
  if (!files || !written) return undefined;
  let configPath: string;
  try {
    configPath = realpathSync(written);
  } catch {
    return undefined;
  }
  const found: FoundTuneRun[] = [];
  for (const shell of files.list((name) => /\.(sh|bash)$/.test(name)).sort()) {
    const read = files.read(shell, configUri);
    if (!read.ok || !read.text.includes('tune')) continue;
    const vars = new Map<string, string>();
    for (const line of logicalLines(read.text)) {
      if (assignment(line.text, vars)) continue;
      const run = parseTuneRun(line.text, vars);
      if (!run || isBuiltInConfig(run.config)) continue;
      const target = files.read(run.config, pathToFileURL(read.path).href);
      if (!target.ok || target.path !== configPath) continue;
      const root = rootOf(files.roots, read.path) ?? read.path;
      found.push({
        run,
        label: `${relative(root, read.path) || basename(read.path)} line ${line.line + 1}`,
        origin: { file: pathToFileURL(read.path).href, range: { start: { line: line.line, character: 0 }, end: { line: line.line, character: line.text.length } } },
        alternatives: [],
        others: [],
      });
    }
    if (found.length >= 8) break;
  }
  return found.length ? { ...found[0], alternatives: found.slice(1).map((f) => f.label), others: found.slice(1).map((f) => f.run) } : undefined;
}
