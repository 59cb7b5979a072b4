/**
 * `trainlens check --format sarif`: the findings as one SARIF 2.1.0 run (OASIS Standard, errata01),
 * which GitHub code scanning and other CI viewers read. Locations are relative to the working
 * directory (`uriBaseId` SRCROOT) when the file is below it; columns are UTF-16 code units, as in LSP.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Analysis, Finding, Severity } from '../analysis/types';
import { uriToPath } from '../workspace/files';
import { summarize } from '../workspace/summary';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The finding codes of the README's table, as SARIF rules. */
const RULES: Record<string, { name: string; text: string }> = {
  TL001: { name: 'JobDoesNotFit', text: 'The training job needs more memory per GPU than the GPU has.' },
  TL002: { name: 'LittleHeadroom', text: 'The training job fits with under 10% of the GPU memory to spare.' },
  TL003: { name: 'NoEstimate', text: 'No estimate: the model or its config could not be read.' },
  TL004: { name: 'DirectiveNotApplied', text: 'A `# trainlens:` comment that cannot be applied.' },
  TL005: { name: 'Bf16Unsupported', text: 'bf16 is used on a GPU without bf16 support.' },
  TL006: { name: 'FlashAttention2Unsupported', text: 'FlashAttention-2 is used on a GPU older than Ampere, which flash-attn 2 has no kernels for.' },
  TL007: { name: 'DeepSpeedConfigUnreadable', text: 'The DeepSpeed config a script names cannot be read; the estimate ignores it.' },
  TL008: { name: 'TorchtuneConfigUnreadable', text: 'A `tune run` line in a shell script runs a config TrainLens cannot open: a torchtune built-in config (copy it with `tune cp`) or a missing file.' },
};

const LEVELS: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export interface SarifInput {
  analyses: Analysis[];
  /** Files that could not be analysed, with why ("no such file"). */
  failures: string[];
  cwd: string;
  version: string;
}

export function sarifLog({ analyses, failures, cwd, version }: SarifInput): Record<string, unknown> {
  const codes = [...new Set(analyses.flatMap((a) => a.findings.map((f) => f.code)))].sort();
  const rules = codes.map((code) => {
    const known = RULES[code];
    const text = known?.text ?? `TrainLens finding ${code}.`;
    return { id: code, ...(known && { name: known.name }), shortDescription: { text }, fullDescription: { text } };
  });
  const results = analyses.flatMap((analysis) => {
    const summary = summarize(analysis);
    const properties = { gpu: summary.gpu, gpus: summary.gpus, fit: summary.fit, total_bytes: summary.total_bytes, capacity_bytes: summary.capacity_bytes };
    return analysis.findings.map((finding) => result(finding, codes.indexOf(finding.code), location(analysis.file, cwd), properties));
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'TrainLens', version, semanticVersion: version, rules } },
      originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(cwd.endsWith(sep) ? cwd : cwd + sep).href } },
      invocations: [{
        executionSuccessful: failures.length === 0,
        toolExecutionNotifications: failures.map((text) => ({ level: 'error', message: { text } })),
      }],
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
}

function result(finding: Finding, ruleIndex: number, artifactLocation: Record<string, string>, properties: Record<string, unknown>) {
  const { start, end } = finding.range;
  return {
    ruleId: finding.code,
    ruleIndex,
    level: LEVELS[finding.severity],
    message: { text: finding.message },
    locations: [{
      physicalLocation: {
        artifactLocation,
        // SARIF lines and columns are 1-based; LSP's end is exclusive, and so is SARIF's endColumn.
        region: { startLine: start.line + 1, startColumn: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 },
      },
    }],
    properties,
  };
}

function location(uri: string, cwd: string): Record<string, string> {
  const path = uriToPath(uri);
  if (!path) return { uri };
  const rel = relative(cwd, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { uri };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
}
