/**
 * web-tree-sitter set up once per process: the runtime wasm, then the Python, JSON and YAML grammars
 * (wasm files shipped inside the npm packages tree-sitter-python, tree-sitter-json and
 * @tree-sitter-grammars/tree-sitter-yaml; see
 * grammars/PROVENANCE.md). Paths default to the bundle's layout (dist/grammars) and fall back to
 * node_modules when running from source (tests).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

export type LanguageId = 'python' | 'json' | 'yaml';

export interface Languages {
  python: Language;
  json: Language;
  yaml: Language;
}

const WASM_FILES: Record<LanguageId | 'runtime', [bundled: string, npmPackage: string]> = {
  runtime: ['tree-sitter.wasm', 'web-tree-sitter'],
  python: ['tree-sitter-python.wasm', 'tree-sitter-python'],
  json: ['tree-sitter-json.wasm', 'tree-sitter-json'],
  yaml: ['tree-sitter-yaml.wasm', '@tree-sitter-grammars/tree-sitter-yaml'],
};

/** Finds a wasm file in `grammarDir` (the bundle) or in its npm package under node_modules. */
export function locateWasm(which: LanguageId | 'runtime', grammarDir: string, projectRoot: string): string {
  const [file, pkg] = WASM_FILES[which];
  const candidates = [join(grammarDir, file), join(projectRoot, 'node_modules', pkg, file)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`TrainLens: grammar file ${file} not found (looked in ${candidates.join(', ')})`);
  return found;
}

let loading: Promise<Languages> | undefined;

/** Loads the runtime and the grammars; later calls share the first load. */
export function loadLanguages(grammarDir: string, projectRoot: string): Promise<Languages> {
  loading ??= (async () => {
    const runtime = locateWasm('runtime', grammarDir, projectRoot);
    await Parser.init({ locateFile: () => runtime });
    const [python, json, yaml] = await Promise.all([
      Language.load(locateWasm('python', grammarDir, projectRoot)),
      Language.load(locateWasm('json', grammarDir, projectRoot)),
      Language.load(locateWasm('yaml', grammarDir, projectRoot)),
    ]);
    return { python, json, yaml };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
