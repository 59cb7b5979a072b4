/**
 * `trainlens`: the same analysis as the editor, for terminals and CI.
 * Exit codes: 0 all fit, 1 a job does not fit, 2 usage error or unreadable file.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAnalyzer } from '../analysis/analyzer';
import type { Analysis } from '../analysis/types';
import { parseArgs, UsageError, USAGE, type CliOptions } from './args';
import { jsonReport } from './report';
import { textReport } from './text';

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

  const analyzer = await createAnalyzer();
  const settings = { gpu: options.gpu ?? 'A100-80GB', gpus: options.gpus ?? 1 };
  const analyses: Analysis[] = [];
  let unreadable = false;
  for (const file of options.files) {
    const text = readText(file);
    if (text === undefined) { unreadable = true; continue; }
    analyses.push(analyzer.analyze({ uri: pathToFileURL(resolve(file)).href, text, version: 1 }, settings));
  }
  if (options.format === 'json') {
    const reports = analyses.map(jsonReport);
    process.stdout.write(`${JSON.stringify(options.command === 'explain' ? reports[0] ?? null : { results: reports }, null, 2)}\n`);
  } else {
    const names = options.files.filter((f) => readText(f, true) !== undefined);
    process.stdout.write(`${analyses.map((a, i) => textReport(a, relative(process.cwd(), resolve(names[i])) || names[i], options.command === 'explain')).join('\n\n')}\n`);
  }
  if (unreadable) return 2;
  return analyses.some((a) => a.estimate && !a.estimate.fits) ? 1 : 0;
}

function readText(file: string, quiet = false): string | undefined {
  const fail = (why: string) => {
    if (!quiet) process.stderr.write(`trainlens: cannot analyse ${file}: ${why}\n`);
    return undefined;
  };
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message);
  }
  if (buffer.length > MAX_FILE_BYTES) return fail(`larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  if (buffer.includes(0)) return fail('binary file');
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
