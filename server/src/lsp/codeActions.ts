/**
 * Quick fixes: one per Fix that a TrainLens diagnostic in the request's context refers to, built
 * from that diagnostic's `data.fixIds` and the analysis of the same document version. A fix the
 * analysis has no edit for is shown in hovers but offered as no action.
 */
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionContext,
  type Diagnostic,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { Analysis, EditFix, Fix } from '../analysis/types';
import { hasEdit } from '../analysis/findings';
import { fixIdsOf } from './diagnostics';
import { composedOfFix, toWorkspaceEdit } from './workspaceEdits';

export interface DocumentVersion { uri: string; version: number }

export function quickFixes(
  analysis: Analysis,
  document: DocumentVersion,
  context: CodeActionContext,
  versionedEdits: boolean,
): CodeAction[] {
  if (context.only && !context.only.some(includesQuickFix)) return [];
  const fixes = new Map<string, EditFix | Fix>([...analysis.fixes, ...(analysis.editFixes ?? [])].map((fix) => [fix.id, fix]));
  const diagnosticsByFix = new Map<EditFix | Fix, Diagnostic[]>();
  for (const diagnostic of context.diagnostics) {
    for (const id of fixIdsOf(diagnostic)) {
      const fix = fixes.get(id);
      if (fix && hasEdit(fix)) diagnosticsByFix.set(fix, [...(diagnosticsByFix.get(fix) ?? []), diagnostic]);
    }
  }
  return [...diagnosticsByFix].flatMap(([fix, diagnostics]) => {
    const edit = workspaceEdit(fix, document, versionedEdits);
    return edit ? [{ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics, edit }] : [];
  }).map((action, index) => ({ ...action, isPreferred: index === 0 }));
}

/** Kinds are hierarchical ("refactor.extract"); "" asks for every kind. */
function includesQuickFix(kind: string): boolean {
  return kind === CodeActionKind.Empty || kind === CodeActionKind.QuickFix;
}

/** A versioned edit where the client supports one, so a stale fix is refused rather than misapplied. */
function workspaceEdit(fix: EditFix | Fix, document: DocumentVersion, versioned: boolean): WorkspaceEdit | undefined {
  return toWorkspaceEdit(composedOfFix(fix, document.uri), document, versioned);
}
