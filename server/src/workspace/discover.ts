/**
 * Finds the training scripts and configs named by files, folders and globs, for
 * `trainlens check` over a tree and the editor's workspace view. Folders are walked skipping what
 * `.trainlensignore` files exclude (gitignore syntax; read in each folder walked and in the folders
 * between the working directory and the walk's start, deeper files overriding shallower ones),
 * hidden folders, and folders that never hold a user's scripts (node_modules, virtual environments).
 * Bounded: symlinked folders are not followed (no cycles, no leaving the tree), and the walk stops
 * after `maxFiles` files or `maxEntries` directory entries, saying so.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { isAccelerateConfig } from '../accelerate/analysis';
import { isTrainerYaml } from '../analysis/yaml-job';

export const IGNORE_FILE = '.trainlensignore';

/** Besides these, hidden folders (`.git`, `.venv`, `.github`...) are skipped, as ripgrep and fd do. */
const SKIPPED_DIRS = new Set(['node_modules', '__pycache__', 'venv', 'site-packages', 'wandb', 'mlruns']);

/** Keys only a DeepSpeed config has at its top level (DeepSpeed's runtime/config.py). */
const DEEPSPEED_KEYS = /"(zero_optimization|train_micro_batch_size_per_gpu|train_batch_size|zero_allow_untested_optimizer)"\s*:/;
/** How much of a .json file is read to recognise a DeepSpeed config. */
const SNIFF_BYTES = 64 * 1024;

export interface DiscoverOptions {
  /** Relative inputs and ignore files are resolved against this folder. */
  cwd: string;
  /** Stop after this many scripts and configs (default 10,000); shell scripts are counted apart, up to as many. */
  maxFiles?: number;
  /** Stop after looking at this many directory entries (default 200,000). */
  maxEntries?: number;
  /** Also take shell scripts: their `tune run` lines can hold findings (`trainlens check` and the editor's view show those that do). */
  shellScripts?: boolean;
}

export interface Discovered {
  /** Absolute paths, in input order, each folder's files sorted, without duplicates. */
  files: string[];
  /** One sentence per input that named nothing ("no such file"), folder that could not be read, or limit reached. */
  problems: string[];
}

export function discoverFiles(inputs: string[], options: DiscoverOptions): Discovered {
  const walker = new Walker(options);
  for (const input of inputs) walker.add(input);
  return { files: [...walker.files], problems: walker.problems };
}

/**
 * What `trainlens check DIR` analyses: Python files, DeepSpeed JSON configs, and the YAML files the
 * analyzer reads (accelerate configs, axolotl / LLaMA-Factory trainer configs), recognised by the
 * analyzer's own tests so that both agree.
 */
export function isCandidate(path: string): boolean {
  if (/\.py$/i.test(path)) return true;
  if (/\.json$/i.test(path)) return DEEPSPEED_KEYS.test(readHead(path));
  if (!/\.ya?ml$/i.test(path)) return false;
  const text = readHead(path);
  return isAccelerateConfig(text) || isTrainerYaml(text);
}

export function isShellScript(path: string): boolean {
  return /\.(sh|bash)$/i.test(path);
}

interface IgnoreScope { dir: string; rules: Ignore }

class Walker {
  readonly files = new Set<string>();
  readonly problems: string[] = [];
  truncated = false;
  private entries = 0;
  /** Shell scripts among `files`: counted apart, so that hundreds of them (most without findings) do not crowd the scripts out. */
  private shells = 0;
  private shellsFull = false;
  private readonly cwd: string;
  private readonly maxFiles: number;
  private readonly maxEntries: number;
  private readonly shellScripts: boolean;
  private readonly scopes = new Map<string, IgnoreScope | null>();

  constructor(options: DiscoverOptions) {
    this.cwd = resolve(options.cwd);
    this.maxFiles = options.maxFiles ?? 10_000;
    this.maxEntries = options.maxEntries ?? 200_000;
    this.shellScripts = options.shellScripts ?? false;
  }

  add(input: string): void {
    const path = resolve(this.cwd, input);
    const kind = kindOf(path);
    if (kind === 'file') return this.take(path);
    if (kind === 'dir') return this.walk(path, () => true);
    const scan = picomatch.scan(input);
    if (!scan.isGlob) {
      this.problems.push(`${input}: no such file or folder`);
      return;
    }
    const base = resolve(this.cwd, scan.base || '.');
    const matches = picomatch(scan.glob, { dot: false });
    const before = this.files.size;
    if (kindOf(base) === 'dir') this.walk(base, (file) => matches(relative(base, file).split(sep).join('/')));
    if (this.files.size === before && !this.truncated) this.problems.push(`${input}: no training script or config matches`);
  }

  private take(path: string): void {
    if (this.files.has(path)) return;
    const shell = isShellScript(path);
    if (this.taken(shell) >= this.maxFiles) return shell ? this.stopShells() : this.stop(`stopped after ${this.maxFiles} files`);
    this.files.add(path);
    if (shell) this.shells++;
  }

  /** Files of the kind taken so far: shell scripts, or the scripts and configs. */
  private taken(shell: boolean): number {
    return shell ? this.shells : this.files.size - this.shells;
  }

  /** Past the limit of shell scripts, the walk goes on for the scripts and configs. */
  private stopShells(): void {
    if (!this.shellsFull) this.problems.push(`took the first ${this.maxFiles} shell scripts only; narrow the paths or add a ${IGNORE_FILE}`);
    this.shellsFull = true;
  }

  private walk(root: string, accept: (file: string) => boolean): void {
    const anchor = isInside(this.cwd, root) ? this.cwd : root;
    const found: string[] = [];
    let foundShells = 0;
    const pending = [root];
    walking: while (pending.length) {
      const dir = pending.pop()!;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        this.problems.push(`${relative(this.cwd, dir) || '.'}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        continue;
      }
      for (const entry of entries) {
        if (++this.entries > this.maxEntries) {
          this.stop(`stopped after looking at ${this.maxEntries} folder entries`);
          break walking;
        }
        const path = join(dir, entry.name);
        const isDir = entry.isDirectory();
        if (isDir && (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.'))) continue;
        if (this.ignored(anchor, path, isDir)) continue;
        if (isDir) pending.push(path);
        else if ((entry.isFile() || (entry.isSymbolicLink() && kindOf(path) === 'file')) && accept(path)) {
          const shell = this.shellScripts && isShellScript(path);
          if (!shell && !isCandidate(path)) continue;
          const waiting = shell ? foundShells : found.length - foundShells;
          if (this.taken(shell) + waiting < this.maxFiles) {
            found.push(path);
            if (shell) foundShells++;
          } else if (shell) this.stopShells();
          else {
            this.stop(`stopped after ${this.maxFiles} files`);
            break walking;
          }
        }
      }
    }
    // Sorted like `git ls-files`, whatever order the folders were read in.
    for (const path of found.sort()) this.take(path);
  }

  private stop(why: string): void {
    if (!this.truncated) this.problems.push(`${why}; narrow the paths or add a ${IGNORE_FILE}`);
    this.truncated = true;
  }

  /** gitignore semantics: the deepest ignore file that has a say decides; a negation (`!x`) re-includes. */
  private ignored(anchor: string, path: string, isDir: boolean): boolean {
    let ignored = false;
    for (const scope of this.scopesAbove(anchor, path)) {
      const rel = relative(scope.dir, path).split(sep).join('/') + (isDir ? '/' : '');
      const verdict = scope.rules.test(rel);
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  }

  /** The ignore files in `anchor` and the folders below it that hold `path`, shallowest first. */
  private scopesAbove(anchor: string, path: string): IgnoreScope[] {
    const scopes: IgnoreScope[] = [];
    let dir = anchor;
    for (const part of ['', ...relative(anchor, path).split(sep).slice(0, -1)]) {
      dir = join(dir, part);
      const scope = this.scopeOf(dir);
      if (scope) scopes.push(scope);
    }
    return scopes;
  }

  private scopeOf(dir: string): IgnoreScope | null {
    let scope = this.scopes.get(dir);
    if (scope === undefined) {
      let text: string | undefined;
      try {
        text = readFileSync(join(dir, IGNORE_FILE), 'utf8');
      } catch {
        text = undefined;
      }
      scope = text === undefined ? null : { dir, rules: ignore().add(text) };
      this.scopes.set(dir, scope);
    }
    return scope;
  }
}

function isInside(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function kindOf(path: string): 'file' | 'dir' | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

/** Reused by every sniff (the walk is synchronous), so a folder of JSON data allocates nothing per file. */
const head = Buffer.allocUnsafe(SNIFF_BYTES);

function readHead(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, SNIFF_BYTES, 0);
    return head.toString('utf8', 0, n);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
