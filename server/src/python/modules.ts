/**
 * Other Python files of the workspace that a script runs as text (`exec(open("config/x.py").read())`,
 * nanoGPT's configurator): read through WorkspaceFiles (inside the workspace only), parsed, their
 * facts extracted. Trees are kept for a few files, keyed by path and text, and freed on eviction
 * and dispose; nothing is executed.
 */
import type { Parser, Tree } from 'web-tree-sitter';
import { Deadline } from '../parsing/deadline';
import type { QueryStore } from '../parsing/queries';
import type { WorkspaceFiles } from '../workspace/files';
import { extractPythonFacts, type PythonFacts } from './facts';

export interface PythonModule { uri: string; path: string; text: string; tree: Tree; facts: PythonFacts }

export type ModuleRead = ({ ok: true } & PythonModule) | { ok: false; reason: string };

export class PythonModules {
  private readonly cache = new Map<string, PythonModule>();

  constructor(private readonly parser: Parser, private readonly queries: QueryStore, private readonly capacity = 16) {}

  /** `ref` as written in the file at `fromUri` (relative to its folder, then the workspace roots). */
  read(files: WorkspaceFiles | undefined, ref: string, fromUri: string): ModuleRead {
    if (!files) return { ok: false, reason: `${ref} is not read (no workspace)` };
    const file = files.read(ref, fromUri);
    if (!file.ok) return file;
    const cached = this.cache.get(file.path);
    if (cached?.text === file.text) {
      this.cache.delete(file.path);
      this.cache.set(file.path, cached);
      return { ok: true, ...cached };
    }
    const deadline = new Deadline();
    const tree = this.parser.parse(file.text, null, deadline);
    if (!tree) {
      this.parser.reset();
      return { ok: false, reason: `${ref} could not be parsed in time` };
    }
    let facts: PythonFacts;
    try {
      facts = extractPythonFacts(tree, this.queries);
    } catch (err) {
      tree.delete();
      return { ok: false, reason: `${ref}: ${(err as Error).message}` };
    }
    if (cached) this.forget(file.path);
    const module: PythonModule = { uri: file.uri, path: file.path, text: file.text, tree, facts };
    this.cache.set(file.path, module);
    while (this.cache.size > this.capacity) this.forget(this.cache.keys().next().value!);
    return { ok: true, ...module };
  }

  dispose(): void {
    for (const path of [...this.cache.keys()]) this.forget(path);
  }

  private forget(path: string): void {
    this.cache.get(path)?.tree.delete();
    this.cache.delete(path);
  }
}
