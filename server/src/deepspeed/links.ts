/**
 * Which scripts use a DeepSpeed config: Python files that name it in a string (TrainingArguments
 * `deepspeed="ds_config.json"`, `deepspeed.initialize(config=...)`, an argv list), and shell
 * launch lines that pass it (`deepspeed train.py --deepspeed ds_config.json`, `accelerate launch
 * --deepspeed_config_file ...`). Bounded: at most MAX_FILES .py/.sh files under the workspace
 * roots, MAX_DEPTH folders deep, skipping dot-folders and environments; a file is read (through
 * WorkspaceFiles, so never outside the workspace) only when its size or mtime changed since the
 * last scan, and parsed only when its text contains the config's file name.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Node, Parser } from 'web-tree-sitter';
import { parseLaunchCommand } from '../launch/command';
import { hfArgsFromCommandLine, hfArgsOf, type HfArgs } from './hf-args';
import { assignment, logicalLines } from '../launch/shell';
import type { WorkspaceFiles } from '../workspace/files';

export const MAX_FILES = 2000;
export const MAX_DEPTH = 8;
const SKIPPED = new Set(['node_modules', '__pycache__', 'venv', 'env', 'site-packages', 'wandb', 'mlruns', 'dist', 'build']);

/** How the script hands the config over: HF Trainer and accelerate fill "auto"; raw deepspeed.initialize does not. */
export type ConfigVia = 'hf' | 'accelerate' | 'deepspeed';

export interface ConfigReference {
  /** The Python script that runs with the config (absolute path). */
  script: string;
  via: ConfigVia;
  /** "train.py line 12" or "run.sh line 3". */
  label: string;
  /** GPUs the launch line starts (all nodes), when it says. */
  gpus?: number;
  /** The launch line, for analysing the script as launched. */
  command?: string;
  /** The HF training arguments HF compares with the config (literals in the script or on the launch line). */
  hfArgs: HfArgs;
}

interface Scanned { mtimeMs: number; size: number; text: string }

export class ConfigLinks {
  private readonly scanned = new Map<string, Scanned>();

  constructor(private readonly python: Parser) {}

  /** The scripts that use the config at `configPath` (a real path inside `files.roots`). */
  referencesTo(configPath: string, files: WorkspaceFiles): ConfigReference[] {
    const name = basename(configPath);
    const out: ConfigReference[] = [];
    for (const path of this.candidates(files.roots)) {
      const text = this.textOf(path, files);
      if (!text?.includes(name)) continue;
      const resolvesToConfig = (ref: string) => basename(ref) === name && [resolve(dirname(path), ref), ...files.roots.map((r) => resolve(r, ref))].includes(configPath);
      if (extname(path) === '.py') out.push(...this.fromPython(path, text, resolvesToConfig));
      else for (const ref of fromShell(path, text, resolvesToConfig, files.roots)) {
        const used = this.usageOf(ref.script, files);
        // An HfArgumentParser script launched with a known command line: flags not given take their defaults.
        const complete = used.hfArgs.complete ?? (used.argumentParser ? 'TrainingArguments' : undefined);
        out.push({ ...ref, via: used.via, hfArgs: { written: { ...used.hfArgs.written, ...ref.written }, ...(complete ? { complete } : {}) } });
      }
    }
    return dedupe(out);
  }

  private *candidates(roots: readonly string[]): Generator<string> {
    let count = 0;
    const walk = function* (dir: string, depth: number): Generator<string> {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (count >= MAX_FILES) return;
        if (e.isFile() && /\.(py|sh)$/.test(e.name)) {
          count++;
          yield join(dir, e.name);
        } else if (e.isDirectory() && depth < MAX_DEPTH && !e.name.startsWith('.') && !SKIPPED.has(e.name)) {
          yield* walk(join(dir, e.name), depth + 1);
        }
      }
    };
    for (const root of roots) yield* walk(root, 0);
  }

  private textOf(path: string, files: WorkspaceFiles): string | undefined {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      this.scanned.delete(path);
      return undefined;
    }
    const cached = this.scanned.get(path);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.text;
    const read = files.read(path, '');
    const text = read.ok ? read.text : '';
    this.scanned.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, text });
    return text;
  }

  /** String literals that resolve to the config. */
  private fromPython(path: string, text: string, matches: (ref: string) => boolean): ConfigReference[] {
    const tree = this.python.parse(text);
    if (!tree) return [];
    try {
      const hit = tree.rootNode.descendantsOfType('string_content').find((n): n is Node => !!n && matches(n.text));
      const { via, hfArgs } = usage(tree.rootNode);
      return hit ? [{ script: path, via, hfArgs, label: `${basename(path)} line ${hit.startPosition.row + 1}` }] : [];
    } finally {
      tree.delete();
    }
  }

  private usageOf(script: string, files: WorkspaceFiles): Usage {
    const tree = this.python.parse(this.textOf(script, files) ?? '');
    if (!tree) return { via: 'hf', hfArgs: { written: {} }, argumentParser: false };
    try {
      return usage(tree.rootNode);
    } finally {
      tree.delete();
    }
  }
}

interface Usage { via: ConfigVia; hfArgs: HfArgs; argumentParser: boolean }

/**
 * HF Trainer (or TRL) fills "auto"; so does accelerate's Accelerator; a bare deepspeed.initialize
 * does not (a script with none of them is taken for an HF one). And the literal HF arguments.
 */
function usage(root: Node): Usage {
  const calls = root.descendantsOfType('call').filter((c): c is Node => !!c);
  const callee = (c: Node) => c.childForFieldName('function')?.text ?? '';
  const names = calls.map(callee);
  const via: ConfigVia = names.some((c) => HF_CALLEES.test(c)) ? 'hf'
    : names.some((c) => /(^|\.)Accelerator$/.test(c)) ? 'accelerate'
    : names.includes('deepspeed.initialize') ? 'deepspeed' : 'hf';
  return { via, hfArgs: hfArgsOf(calls, callee), argumentParser: names.some((c) => /(^|\.)HfArgumentParser$/.test(c)) };
}

const HF_CALLEES = /(^|\.)(TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|GRPOConfig|HfArgumentParser|Trainer|SFTTrainer|Seq2SeqTrainer)$/;

/** Launch lines whose arguments name the config; the script they start is the user. */
type ShellReference = Omit<ConfigReference, 'via' | 'hfArgs'> & { written: HfArgs['written'] };

function fromShell(path: string, text: string, matches: (ref: string) => boolean, roots: readonly string[]): ShellReference[] {
  const out: ShellReference[] = [];
  const vars = new Map<string, string>();
  for (const line of logicalLines(text)) {
    if (assignment(line.text, vars)) continue;
    const cmd = parseLaunchCommand(line.text, vars);
    if (!cmd) continue;
    const named = [...cmd.scriptArgs.values(), ...cmd.launcherOptions.values()].some((v) => typeof v === 'string' && matches(v));
    if (!named) continue;
    const script = [resolve(dirname(path), cmd.script), ...roots.map((r) => resolve(r, cmd.script))].find(exists);
    if (!script) continue;
    const gpus = cmd.gpusPerNode !== undefined ? cmd.gpusPerNode * (cmd.nodes ?? 1) : undefined;
    out.push({
      script,
      label: `${basename(path)} line ${line.line + 1}`,
      command: line.text,
      written: hfArgsFromCommandLine(cmd.scriptArgs),
      ...(gpus !== undefined ? { gpus } : {}),
    });
  }
  return out;
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** One reference per script; a launch line (which knows the GPU count) wins over the script's own mention. */
function dedupe(refs: ConfigReference[]): ConfigReference[] {
  const byScript = new Map<string, ConfigReference>();
  for (const ref of refs) {
    const prev = byScript.get(ref.script);
    if (!prev) byScript.set(ref.script, ref);
    else byScript.set(ref.script, { ...prev, ...(ref.gpus !== undefined ? { gpus: ref.gpus, label: ref.label } : {}), via: prev.via === 'hf' || ref.via === 'hf' ? 'hf' : ref.via });
  }
  return [...byScript.values()];
}
