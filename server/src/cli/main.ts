/**
 * `trainlens`: the same analysis as the editor, for terminals and CI, over files, folders and globs.
 * Exit codes: 0 all fit, 1 a job does not fit, 2 usage error, a path that names nothing, or a
 * named file that cannot be read (files found in a folder that cannot be read are skipped).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAnalyzer, type Analyzer } from '../analysis/analyzer';
import type { Analysis, AnalysisSettings } from '../analysis/types';
import { discoverFiles, isShellScript } from '../workspace/discover';
import { createWorkspaceFiles, uriToPath, type WorkspaceFiles } from '../workspace/files';
import { parseArgs, UsageError, USAGE, type CliOptions } from './args';
import { planReport, planText } from './plan';
import { jsonReport } from './report';
import { sarifLog } from './sarif';
import { textReport, type BestPlan } from './text';
import { treeSummary } from './tree';

const VERSION = '0.1.0';
/** Files larger than this are not analysed (same default as the editor). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`trainlens: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.command === 'help') return print(USAGE, 0);
  if (options.command === 'version') return print(VERSION, 0);
  if (options.command === 'lsp') {
    const [{ createConnection, StreamMessageReader, StreamMessageWriter }, { startServer }] = await Promise.all([
      import('vscode-languageserver/node'), import('../lsp/server'),
    ]);
    startServer(createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout)));
    return -1;
  }

  const cwd = process.cwd();
  const found = options.command === 'check'
    ? discoverFiles(options.files, { cwd, shellScripts: true })
    : { files: options.files.map((f) => resolve(cwd, f)), problems: [] };
  const named = new Set(options.files.map((f) => resolve(cwd, f)));
  const failures = [...found.problems];
  for (const problem of found.problems) process.stderr.write(`trainlens: ${problem}\n`);

  const analyzer = await createAnalyzer();
  const files = createWorkspaceFiles([cwd]);
  const settings = { gpu: options.gpu ?? 'A100-80GB', gpus: options.gpus ?? 1, ...(options.launch ? { command: options.launch } : {}) };
  if (options.command === 'plan') return plan(analyzer, found.files[0], cwd, settings, files, options.format === 'json');
  const analyses: Analysis[] = [];
  const names: string[] = [];
  let unreadable = found.problems.length > 0;
  for (const path of found.files) {
    const result = readText(path);
    if (typeof result !== 'string') {
      // A file named on the command line must be read; one found in a folder is skipped with a note.
      process.stderr.write(`trainlens: ${named.has(path) ? 'cannot analyse' : 'skipped'} ${displayName(path, cwd)}: ${result.why}\n`);
      if (named.has(path)) {
        unreadable = true;
        failures.push(`${displayName(path, cwd)}: ${result.why}`);
      }
      continue;
    }
    const analysis = analyzer.analyze({ uri: pathToFileURL(path).href, text: result, version: 1 }, settings, files);
    // A shell script is read for its launch lines' findings; one without any is left out, like the files check does not read.
    if (isShellScript(path) && !analysis.findings.length && !named.has(path)) continue;
    analyses.push(analysis);
    names.push(displayName(path, cwd));
  }
  if (options.format === 'sarif') {
    process.stdout.write(`${JSON.stringify(sarifLog({ analyses, failures, cwd, version: VERSION }), null, 2)}\n`);
  } else if (options.format === 'json') {
    const reports = analyses.map(jsonReport);
    process.stdout.write(`${JSON.stringify(options.command === 'explain' ? reports[0] ?? null : { results: reports }, null, 2)}\n`);
  } else {
    const shown = analyses.flatMap((a, i) => (named.has(uriToPath(a.file) ?? '') || a.job || a.findings.length
      ? [textReport(a, names[i], options.command === 'explain', bestPlanFor(a))] : []));
    if (analyses.length > 1 || shown.length < analyses.length) shown.push(treeSummary(analyses, names));
    if (analyses.length === 0 && failures.length === 0) shown.push('No training scripts or configs found.');
    process.stdout.write(shown.length ? `${shown.join('\n\n')}\n` : '');
  }
  if (unreadable) return 2;
  return analyses.some((a) => a.estimate && !a.estimate.fits) ? 1 : 0;
}

/** For a job that does not fit and that no single fix rescues: the planner's best fitting combination (searched by the analysis). */
function bestPlanFor(analysis: Analysis): BestPlan | undefined {
  if (!analysis.bestPlan || analysis.fixes.some((f) => f.fits_after)) return undefined;
  return analysis.bestPlan;
}

/** `trainlens plan`: exit 0 when a plan fits, 1 when none does, 2 when the file cannot be read. */
function plan(analyzer: Analyzer, path: string, cwd: string, settings: AnalysisSettings, files: WorkspaceFiles, json: boolean): number {
  const text = readText(path);
  if (typeof text !== 'string') {
    process.stderr.write(`trainlens: cannot analyse ${displayName(path, cwd)}: ${text.why}\n`);
    return 2;
  }
  const report = planReport(analyzer, { uri: pathToFileURL(path).href, text }, displayName(path, cwd), settings, files);
  process.stdout.write(`${json ? JSON.stringify(report, null, 2) : planText(report)}\n`);
  return report.plans.some((p) => p.fits) ? 0 : 1;
}

function displayName(path: string, cwd: string): string {
  return relative(cwd, path) || path;
}

/** The file's text, or why it cannot be analysed. */
function readText(path: string): string | { why: string } {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { why: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message };
  }
  if (buffer.length > MAX_FILE_BYTES) return { why: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
  if (buffer.includes(0)) return { why: 'binary file' };
  return buffer.toString('utf8');
}

function print(text: string, code: number): number {
  process.stdout.write(`${text}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exitCode = code; },
  (err: Error) => {
    process.stderr.write(`trainlens: internal error: ${err.stack ?? err.message}\n`);
    process.exitCode = 2;
  },
);
