/**
 * LSP shapes for DeepSpeed config documents (server/src/deepspeed/): hover and completion from an
 * analysis's ConfigView, and the workspace files the analyzer reads configs and scripts through.
 */
import { CompletionItemKind, MarkupKind, type CompletionItem, type Hover, type Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/types';
import { createWorkspaceFiles, uriToPath, type WorkspaceFiles } from '../workspace/files';
import type { DocumentAnalyzer } from './analyses';

export function configHover(analysis: Analysis, position: Position): Hover | null {
  const hover = analysis.config?.hover(position);
  return hover ? { contents: { kind: MarkupKind.Markdown, value: hover.markdown }, range: hover.range } : null;
}

export function configCompletions(analysis: Analysis | undefined, position: Position): CompletionItem[] {
  return (analysis?.config?.complete(position) ?? []).map((c) => ({
    label: c.label,
    kind: c.kind === 'key' ? CompletionItemKind.Property : CompletionItemKind.Value,
    ...(c.detail ? { detail: c.detail } : {}),
    ...(c.documentation ? { documentation: { kind: MarkupKind.Markdown, value: c.documentation } } : {}),
    textEdit: { range: c.range, newText: c.insertText },
    // The key's quotes are part of the replaced text: filter on them too.
    filterText: c.kind === 'key' ? JSON.stringify(c.label) : c.insertText,
  }));
}

/** Reads only inside the workspace folders (file: URIs); none when the client names no folder. */
export function workspaceFilesOf(folderUris: string[]): WorkspaceFiles | undefined {
  const roots = folderUris.map(uriToPath).filter((p): p is string => !!p);
  return roots.length ? createWorkspaceFiles(roots) : undefined;
}

/** The analyzer with the workspace's files passed to every analysis (configs, launchers, scripts using a config). */
export function withWorkspaceFiles(analyzer: DocumentAnalyzer, files: () => WorkspaceFiles | undefined): DocumentAnalyzer {
  return {
    analyze: (doc, settings, given) => analyzer.analyze(doc, settings, given ?? files()),
    close: (uri) => analyzer.close(uri),
    dispose: () => analyzer.dispose(),
  };
}
