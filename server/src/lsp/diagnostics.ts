/** Findings of an analysis as LSP diagnostics, carrying the ids of the fixes that address them. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Finding, Severity } from '../analysis/types';
import type { AnalysisResult } from './analyses';

export const DIAGNOSTIC_SOURCE = 'trainlens';

/** What a TrainLens diagnostic carries in `data`, for code actions. */
export interface DiagnosticData { fixIds: string[] }

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostics(result: AnalysisResult): Diagnostic[] {
  if (result.error) {
    return [{
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Information,
      source: DIAGNOSTIC_SOURCE,
      message: result.error.message,
    }];
  }
  return result.analysis.findings.map(toDiagnostic);
}

function toDiagnostic(finding: Finding): Diagnostic {
  const data: DiagnosticData = { fixIds: finding.fixIds ?? [] };
  return {
    range: finding.range,
    severity: SEVERITIES[finding.severity],
    code: finding.code,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    data,
  };
}

/** The fix ids of a diagnostic that came from TrainLens (as the client sends it back), or []. */
export function fixIdsOf(diagnostic: Diagnostic): string[] {
  if (diagnostic.source !== DIAGNOSTIC_SOURCE) return [];
  const fixIds = (diagnostic.data as Partial<DiagnosticData> | undefined)?.fixIds;
  return Array.isArray(fixIds) ? fixIds.filter((id): id is string => typeof id === 'string') : [];
}
