/** A throwaway workspace folder written from a map of paths to texts, and a document of it analysed as the editor would. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Analyzer } from '../../server/src/analysis/analyzer';
import type { Analysis, AnalysisSettings } from '../../server/src/analysis/types';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

export function writeWorkspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-ws-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

export function analyzeFile(analyzer: Analyzer, root: string, entry: string, settings: Partial<AnalysisSettings> = {}): Analysis {
  const path = join(root, entry);
  return analyzer.analyze({ uri: pathToFileURL(path).href, text: readFileSync(path, 'utf8'), version: 1 }, { gpu: 'A100-80GB', gpus: 1, ...settings }, createWorkspaceFiles([root]));
}
