/** What every fix writer reads: the script (text, tree, job with provenance and sites) and the files it names. */
import { Parser, type Language, type Node } from 'web-tree-sitter';
import type { ScriptJob } from '../analysis/script-job';
import { readJsonTree, type JsonDocument } from '../deepspeed/json-tree';
import type { WorkspaceFiles } from '../workspace/files';

export interface WriterContext {
  uri: string;
  text: string;
  /** The Python syntax tree's root; absent for a trainer YAML (no imports or statements can be added there). */
  root?: Node;
  script: ScriptJob;
  files?: WorkspaceFiles;
  /** Parses a JSON text (tree-sitter JSON), for DeepSpeed config edits. */
  json: (text: string) => JsonDocument;
}

/** A JSON reader on its own parser (fixes read DeepSpeed config files the script names). */
export function jsonReader(language: Language): { read: (text: string) => JsonDocument; dispose: () => void } {
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    read(text) {
      const tree = parser.parse(text);
      if (!tree) return { root: undefined, comments: [], syntaxErrors: [], truncated: false };
      try {
        return readJsonTree(tree);
      } finally {
        tree.delete();
      }
    },
    dispose: () => parser.delete(),
  };
}
