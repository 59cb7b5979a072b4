/**
 * The files a script names (ds_config.json, a model folder's config.json, a launcher script), read
 * only from inside the workspace roots and the Hugging Face cache. A path that leaves them, also
 * through a symlink, is refused with a message; nothing is ever written or executed.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hubConfigPath } from '../analysis/config-json';

export type ReadResult = { ok: true; uri: string; path: string; text: string } | { ok: false; reason: string };

export interface WorkspaceFiles {
  /** Folders TrainLens may read (real paths). */
  readonly roots: string[];
  /** Reads `ref` as written in the file at `fromUri`: relative to that file's folder, then to each root. */
  read(ref: string, fromUri: string): ReadResult;
  /**
   * Files under the workspace roots whose name `accept`s, skipping hidden, VCS, dependency and
   * virtual-env folders and symlinked folders; at most `limit`. Cached for a few seconds.
   */
  list(accept: (name: string) => boolean, limit?: number): string[];
  /** A hub model's config.json from the local Hugging Face cache (never the network). */
  readHubConfig(id: string): ReadResult;
}

export interface WorkspaceFilesOptions {
  /** Files over this size are not read (default 2 MiB). */
  maxBytes?: number;
  /** The Hugging Face cache root; default $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub. */
  hfCache?: string;
}

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

export function huggingFaceCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface', 'hub');
}

export function createWorkspaceFiles(roots: string[], options: WorkspaceFilesOptions = {}): WorkspaceFiles {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // real paths of the roots that exist: a workspace folder deleted from disk drops out (the cache is no root)
  const realRoots = roots.flatMap((r) => realOrUndefined(r) ?? []);
  const cache = realOrUndefined(options.hfCache ?? huggingFaceCache());
  const allowed = cache ? [...realRoots, cache] : realRoots;
  const inside = (real: string) => rootOf(allowed, real) !== undefined;

  const listings = new Map<string, { at: number; files: string[] }>();
  return {
    list(accept, limit = 500) {
      const key = `${accept.toString()}|${limit}`;
      const cached = listings.get(key);
      if (cached && Date.now() - cached.at < LIST_CACHE_MS) return cached.files;
      const files: string[] = [];
      for (const root of realRoots) walk(root, 0, accept, files, limit);
      listings.set(key, { at: Date.now(), files });
      return files;
    },
    roots: realRoots,
    readHubConfig(id) {
      const cache = realOrUndefined(options.hfCache ?? huggingFaceCache());
      const path = cache && hubConfigPath(cache, id);
      if (!path) return { ok: false, reason: `${id} is not in the Hugging Face cache` };
      const real = realOrUndefined(path);
      if (!real || !inside(real)) return { ok: false, reason: `${id}: cached config.json not found` };
      return readBounded(real, maxBytes);
    },
    read(ref, fromUri) {
      const from = uriToPath(fromUri);
      const candidates = isAbsolute(ref) ? [ref] : [...new Set([from && resolve(dirname(from), ref), ...roots.map((r) => resolve(r, ref))])].filter((p): p is string => !!p);
      let refusal: string | undefined;
      for (const candidate of candidates) {
        const real = realOrUndefined(candidate);
        if (!real) continue;
        if (!inside(real)) {
          refusal = `${ref} resolves to ${real}, outside the workspace: TrainLens does not read it`;
          continue;
        }
        return readBounded(real, maxBytes);
      }
      return { ok: false, reason: refusal ?? `${ref} not found (looked in ${candidates.join(', ') || 'no folder'})` };
    },
  };
}

const LIST_CACHE_MS = 5000;
const MAX_DEPTH = 6;
const SKIP_DIRS = /^(\.|node_modules$|__pycache__$|venv$|env$|site-packages$|dist$|build$|wandb$|outputs?$|checkpoints?$)/;

function walk(dir: string, depth: number, accept: (name: string) => boolean, out: string[], limit: number): void {
  if (depth > MAX_DEPTH || out.length >= limit) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (out.length >= limit) return;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.test(entry.name)) walk(join(dir, entry.name), depth + 1, accept, out, limit);
    } else if (entry.isFile() && accept(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
}

function readBounded(path: string, maxBytes: number): ReadResult {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { ok: false, reason: `${path} is not a file` };
    if (stat.size > maxBytes) return { ok: false, reason: `${path} is larger than ${Math.round(maxBytes / 1024)} KiB` };
    const buffer = Buffer.alloc(stat.size);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, stat.size, 0);
    } finally {
      closeSync(fd);
    }
    if (buffer.includes(0)) return { ok: false, reason: `${path} is a binary file` };
    return { ok: true, path, uri: pathToFileURL(path).href, text: buffer.toString('utf8') };
  } catch (err) {
    return { ok: false, reason: `${path} cannot be read: ${(err as Error).message}` };
  }
}

/** The folder of `roots` that holds `path`, by whole folder names: `/ws/proj` does not hold `/ws/proj-data/x`. */
export function rootOf(roots: string[], path: string): string | undefined {
  return roots.find((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
}

/** The path with every symlink resolved (as reads report it), or undefined when it does not exist. */
export function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
