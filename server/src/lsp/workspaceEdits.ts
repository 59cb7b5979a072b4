/**
 * Fixes and plans as LSP WorkspaceEdits: files to create first, then the edits of every file. Versioned where the
 * client supports document changes (the analysed document's version, so a stale fix is refused); a fix that
 * creates a file needs document changes and is not offered to other clients.
 */
import type { TextDocumentEdit, WorkspaceEdit, CreateFile } from 'vscode-languageserver';
import type { Fix, TextEdit } from '../analysis/types';
import type { ComposedEdit } from '../fixes/intents';
import type { DocumentVersion } from './codeActions';

/** The edit of a fix: its document's edits, then edits in other files and files it creates. */
export function composedOfFix(fix: Pick<Fix, 'edits' | 'otherEdits' | 'creates'>, uri: string): ComposedEdit {
  const changes: Record<string, TextEdit[]> = fix.edits.length ? { [uri]: fix.edits } : {};
  for (const other of fix.otherEdits ?? []) changes[other.uri] = other.edits;
  return { changes, creates: fix.creates ?? [] };
}

export function toWorkspaceEdit(edit: ComposedEdit, document: DocumentVersion, versioned: boolean): WorkspaceEdit | undefined {
  if (!versioned) return edit.creates.length ? undefined : { changes: edit.changes };
  const creates: (CreateFile | TextDocumentEdit)[] = edit.creates.flatMap((c) => [
    { kind: 'create', uri: c.uri, options: { ignoreIfExists: true } } satisfies CreateFile,
    { textDocument: { uri: c.uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: c.text }] },
  ]);
  const edits: TextDocumentEdit[] = Object.entries(edit.changes).map(([uri, list]) => ({
    textDocument: { uri, version: uri === document.uri ? document.version : null },
    edits: list,
  }));
  return { documentChanges: [...creates, ...edits] };
}
