/**
 * `trainlens/workspaceSummary`: every training script and config in the workspace folders
 * with its GPU fit, for the editor's workspace view. Open documents are summarised from their
 * current text; other files are read from disk (bounded in count and size, never executed), analysed
 * and their trees freed at once. The walk yields to the event loop between files, so edits, hovers
 * and a cancellation are served while it runs.
 */
import { pathToFileURL } from 'node:url';
import type { CancellationToken } from 'vscode-languageserver';
import type { AnalysisSettings } from '../analysis/types';
import { discoverFiles } from '../workspace/discover';
import { createWorkspaceFiles, uriToPath, type WorkspaceFiles } from '../workspace/files';
import { summarize, type FileSummary } from '../workspace/summary';
import type { AnalysisStore, DocumentAnalyzer, VersionedText } from './analyses';
import type { WorkspaceSummaryResult } from './protocol';

/** At most this many files per workspace folder are analysed (the view says when it stopped). */
export const MAX_WORKSPACE_FILES = 500;
/** The folder walk is synchronous: this many entries (about 0.7 s) is the longest it holds the server. */
export const MAX_WORKSPACE_ENTRIES = 50_000;

/** A workspace folder's settings: each file's analysis settings, and the file size limit. */
export interface FolderSettings {
  of(fileUri: string): AnalysisSettings;
  maxFileBytes: number;
}

export interface SummaryContext {
  analyzer: Promise<DocumentAnalyzer>;
  store: AnalysisStore;
  /** The open document at `uri`, if any. */
  openDocument(uri: string): VersionedText | undefined;
  settingsFor(folderUri: string): Promise<FolderSettings>;
  /** What an analysis may read besides the file (the configs a script names); default: its folder. */
  files?: WorkspaceFiles;
}

export async function workspaceSummary(folderUris: string[], context: SummaryContext, token?: CancellationToken): Promise<WorkspaceSummaryResult> {
  const files: FileSummary[] = [];
  const problems: string[] = [];
  const analyzer = await context.analyzer;
  for (const folderUri of folderUris) {
    const root = uriToPath(folderUri);
    if (!root) {
      problems.push(`${folderUri}: not a folder on disk; TrainLens summarises file: folders only`);
      continue;
    }
    const found = discoverFiles(['.'], { cwd: root, maxFiles: MAX_WORKSPACE_FILES, maxEntries: MAX_WORKSPACE_ENTRIES });
    problems.push(...found.problems.map((p) => `${root}: ${p}`));
    const settings = await context.settingsFor(folderUri);
    const reader = createWorkspaceFiles([root], { maxBytes: settings.maxFileBytes });
    for (const path of found.files) {
      if (token?.isCancellationRequested) return { files, problems: [...problems, 'cancelled'] };
      const summary = await summarizeFile(path, root, reader, analyzer, settings, context);
      if ('why' in summary) problems.push(summary.why);
      else files.push(summary);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { files, problems };
}

async function summarizeFile(
  path: string, root: string, reader: WorkspaceFiles, analyzer: DocumentAnalyzer, settings: FolderSettings, context: SummaryContext,
): Promise<FileSummary | { why: string }> {
  const uri = pathToFileURL(path).href;
  const open = context.openDocument(uri);
  if (open) {
    // As the diagnostics of the open document are computed, so the store's entry is shared.
    const result = await context.store.analyze(open, settings.of(uri), { maxFileBytes: settings.maxFileBytes });
    return result.analysis ? summarize(result.analysis) : { why: `${path}: ${result.error.message}` };
  }
  const read = reader.read(path, pathToFileURL(root).href);
  if (!read.ok) return { why: read.reason };
  // Analysed and closed in one synchronous stretch: no document can open this URI in between.
  try {
    return summarize(analyzer.analyze({ uri: read.uri, text: read.text, version: 0 }, settings.of(read.uri), context.files ?? reader));
  } catch (err) {
    return { why: `${path}: TrainLens could not analyse it: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    analyzer.close(read.uri);
  }
}
