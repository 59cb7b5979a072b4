/**
 * `trainlens/workspaceSummary`: every training script and config in the workspace folders
 * with its GPU fit, for the editor's workspace view, and the shell scripts that have findings (a
 * `tune run` of a config TrainLens cannot open: TL008). Open documents are summarised from their
 * current text; other files are read from disk (bounded in count and size, never executed), analysed
 * and their trees freed at once. The walk yields to the event loop between files, so edits, hovers
 * and a cancellation are served while it runs.
 */
import { pathToFileURL } from 'node:url';
import type { CancellationToken } from 'vscode-languageserver';
import type { AnalysisSettings } from '../analysis/types';
import { discoverFiles, isShellScript } from '../workspace/discover';
import { createWorkspaceFiles, uriToPath, type WorkspaceFiles } from '../workspace/files';
import { readIfTuneRun } from '../workspace/shell-screen';
import { summarize, type FileSummary } from '../workspace/summary';
import type { AnalysisStore, DocumentAnalyzer, VersionedText } from './analyses';
import type { WorkspaceSummaryResult } from './protocol';

/** At most this many scripts and configs, and as many shell scripts, per workspace folder are looked at (the view says when it stopped). */
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
    const found = discoverFiles(['.'], { cwd: root, maxFiles: MAX_WORKSPACE_FILES, maxEntries: MAX_WORKSPACE_ENTRIES, shellScripts: true });
    problems.push(...found.problems.map((p) => `${root}: ${p}`));
    const settings = await context.settingsFor(folderUri);
    const reader = createWorkspaceFiles([root], { maxBytes: settings.maxFileBytes });
    for (const path of found.files) {
      if (token?.isCancellationRequested) return { files, problems: [...problems, 'cancelled'] };
      const summary = await summarizeFile(path, root, reader, analyzer, settings, context);
      if (!summary) continue;
      if ('why' in summary) problems.push(summary.why);
      else files.push(summary);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { files, problems };
}

async function summarizeFile(
  path: string, root: string, reader: WorkspaceFiles, analyzer: DocumentAnalyzer, settings: FolderSettings, context: SummaryContext,
): Promise<FileSummary | { why: string } | undefined> {
  const uri = pathToFileURL(path).href;
  // A shell script is listed only for its findings; one that cannot be read is not worth a line of the view.
  const shell = isShellScript(path);
  const open = context.openDocument(uri);
  if (open) {
    // As the diagnostics of the open document are computed, so the store's entry is shared.
    const result = await context.store.analyze(open, settings.of(uri), { maxFileBytes: settings.maxFileBytes });
    if (shell) return result.analysis?.findings.length ? summarize(result.analysis) : undefined;
    return result.analysis ? summarize(result.analysis) : { why: `${path}: ${result.error.message}` };
  }
  const readFile = () => reader.read(path, pathToFileURL(root).href);
  const read = shell ? readIfTuneRun(path, readFile) : readFile();
  if (!read) return undefined; // a shell script that runs no `tune`
  if (!read.ok) return shell ? undefined : { why: read.reason };
  // Analysed and closed in one synchronous stretch: no document can open this URI in between.
  try {
    const analysis = analyzer.analyze({ uri: read.uri, text: read.text, version: 0 }, settings.of(read.uri), context.files ?? reader);
    return shell && !analysis.findings.length ? undefined : summarize(analysis);
  } catch (err) {
    return { why: `${path}: TrainLens could not analyse it: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    analyzer.close(read.uri);
  }
}
