/**
 * `npm run bench` (after the vitest benches): the bundled server as an editor sees it. Spawns
 * dist/server.js --stdio, drives it with a real JSON-RPC client (vscode-jsonrpc), and prints
 * p50/p95/max of: server start, didOpen → first diagnostics, a one-character incremental
 * didChange → diagnostics of that version (debounce included), hover, codeAction, completion in a
 * DeepSpeed config, and the RSS with 50 open documents; next to the bare tree-sitter full and
 * incremental parse of the same text, the floor every figure should be read against.
 * Options: --quick (fewer samples, no 30,000-line script, 10 documents for the memory figure; used
 * by lsp-latency.test.ts, which checks that this script runs).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');
const { Parser, Language } = require('web-tree-sitter');
const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 5 : 40;
const SIZES = quick ? [300, 3000] : [300, 3000, 30000];
const MANY = quick ? 10 : 50;
/** Other processes on the machine slow every figure: printed with the table (1, 5 and 15 min averages). */
const loadAverage = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const loadAtStart = loadAverage();
/** Extra node options for the server process, e.g. TRAINLENS_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const serverNodeArgs = (process.env.TRAINLENS_BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);

const example = readFileSync(join(root, 'examples', 'llama2-7b-full-finetune.py'), 'utf8');
/** The example padded with helper functions to `lines` lines (the same text as analysis.bench.ts). */
function generated(lines) {
  const filler = [];
  for (let i = 0; filler.length < lines - 40; i++) {
    filler.push(`def helper_${i}(batch, scale=${i}):`, `    out = [x * scale for x in batch["input_ids"]]`, `    return {"ids": out, "n": len(out) + ${i}}`, '');
  }
  return `${filler.join('\n')}\n${example}`;
}
const dsConfig = readFileSync(join(root, 'test', 'fixtures', 'seed-ds-configs', 'ds_config_zero3.json'), 'utf8');

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}
const rows = [];
function report(what, samples, target) {
  const { n, p50, p95, max } = stats(samples);
  rows.push({ what, n, p50, p95, max, target: target ?? '' });
}

/** A started server with a client that records diagnostics and can wait for them. */
async function startServer() {
  const started = performance.now();
  const child = spawn(process.execPath, [...serverNodeArgs, join(root, 'dist', 'server.js'), '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const waiters = [];
  connection.onNotification('textDocument/publishDiagnostics', (params) => {
    for (const w of [...waiters]) if (w.uri === params.uri && (w.version === undefined || params.version === w.version)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(params);
    }
  });
  connection.onNotification(() => undefined);
  connection.onRequest('workspace/configuration', ({ items }) => items.map(() => ({ gpu: 'A100-80GB', gpuCount: 1 })));
  connection.onRequest(() => null);
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid, rootUri: null, workspaceFolders: null,
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
  });
  await connection.sendNotification('initialized', {});
  const startMs = performance.now() - started;
  const diagnostics = (uri, version) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version} within 60 s`)), 60_000);
    waiters.push({ uri, version, resolve: (p) => (clearTimeout(timer), resolve(p)) });
  });
  const open = async (uri, text, languageId = 'python') => {
    const t0 = performance.now();
    const published = diagnostics(uri, 1);
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    const params = await published;
    return { ms: performance.now() - t0, params };
  };
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
  const stop = async () => {
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    connection.dispose();
  };
  return { connection, startMs, open, diagnostics, rss, stop };
}

/** Inside `out` in the body of a helper in the middle of a generated script. */
function typingPoint(text, lines) {
  const def = positionOf(text, `def helper_${Math.floor(lines / 8)}(`);
  return { line: def.line + 1, character: '    ou'.length };
}

function positionOf(text, needle, offset = 0) {
  const before = text.slice(0, text.indexOf(needle) + offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measureScript(server, lines) {
  const text = generated(lines);
  const label = `${lines.toLocaleString('en')} lines`;
  const opens = [];
  let main;
  // Each open is a new document, closed again except the last, which is then typed in (as a user
  // opens a file and edits it; its tree is the most recent one the server keeps).
  const count = lines > 10_000 ? Math.min(SAMPLES, 5) : Math.min(SAMPLES, 15);
  for (let i = 0; i < count; i++) {
    const uri = `file:///bench/open-${lines}-${i}.py`;
    const { ms, params } = await server.open(uri, text);
    opens.push(ms);
    if (i === count - 1) main = { uri, params };
    else await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
  report(`${label}: didOpen → diagnostics`, opens, lines === 3000 ? '≤ 300' : undefined);

  // Typing inside a name in the middle of the file: insert a character, then delete it, one version each.
  const middle = typingPoint(text, lines);
  const edits = [];
  for (let v = 2; v < 2 + SAMPLES; v++) {
    const range = v % 2 === 0
      ? { start: middle, end: middle }
      : { start: middle, end: { line: middle.line, character: middle.character + 1 } };
    const published = server.diagnostics(main.uri, v);
    edits.push(await timed(async () => {
      await server.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: main.uri, version: v }, contentChanges: [{ range, text: v % 2 === 0 ? '#' : '' }],
      });
      await published;
    }));
  }
  report(`${label}: didChange (1 char) → diagnostics`, edits, lines === 3000 ? '≤ 50' : undefined);

  const hoverAt = positionOf(text, 'per_device_train_batch_size=BATCH', 5);
  const hovers = [];
  for (let i = 0; i < SAMPLES; i++) {
    hovers.push(await timed(() => server.connection.sendRequest('textDocument/hover', { textDocument: { uri: main.uri }, position: hoverAt })));
  }
  report(`${label}: hover`, hovers, lines === 3000 ? '≤ 5' : undefined);

  const oom = main.params.diagnostics.find((d) => d.code === 'TL001') ?? main.params.diagnostics[0];
  const actions = [];
  for (let i = 0; i < SAMPLES; i++) {
    actions.push(await timed(() => server.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: main.uri }, range: oom.range, context: { diagnostics: [oom] },
    })));
  }
  report(`${label}: codeAction`, actions);
  await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri: main.uri } });
}

async function measureConfig(server) {
  const uri = 'file:///bench/ds_config.json';
  const opens = [(await server.open(uri, dsConfig, 'json')).ms];
  report('ds_config (seed zero3): didOpen → diagnostics', opens);
  const position = positionOf(dsConfig, '"stage"', 1);
  const completions = [];
  let items = 0;
  for (let i = 0; i < SAMPLES; i++) {
    completions.push(await timed(async () => {
      const result = await server.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position });
      items = Array.isArray(result) ? result.length : (result?.items?.length ?? 0);
    }));
  }
  report(`ds_config: completion (${items} items)`, completions);
  const hovers = [];
  for (let i = 0; i < SAMPLES; i++) {
    hovers.push(await timed(() => server.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position })));
  }
  report('ds_config: hover', hovers);
}

async function bareParse() {
  const wasm = (pkg, file) => join(root, 'node_modules', pkg, file);
  await Parser.init({ locateFile: () => wasm('web-tree-sitter', 'tree-sitter.wasm') });
  const parser = new Parser();
  parser.setLanguage(await Language.load(wasm('tree-sitter-python', 'tree-sitter-python.wasm')));
  for (const lines of SIZES) {
    const text = generated(lines);
    const full = [];
    const incremental = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      const tree = parser.parse(text);
      full.push(performance.now() - t0);
      const { line: row, character: column } = typingPoint(text, lines);
      const at = text.split('\n').slice(0, row).join('\n').length + 1 + column;
      const edited = `${text.slice(0, at)}#${text.slice(at)}`;
      const t1 = performance.now();
      tree.edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + 1, startPosition: { row, column }, oldEndPosition: { row, column }, newEndPosition: { row, column: column + 1 } });
      parser.parse(edited, tree).delete();
      incremental.push(performance.now() - t1);
      tree.delete();
    }
    report(`${lines.toLocaleString('en')} lines: bare tree-sitter full parse`, full);
    report(`${lines.toLocaleString('en')} lines: bare tree-sitter incremental parse (1 char)`, incremental);
  }
}

// Each fresh server is timed twice: its start, then its first diagnostics, which pay for the
// first parse, the query compilation and an estimator that V8 has not optimized yet.
const starts = [];
const firstOpens = [];
for (let i = 0; i < (quick ? 1 : 5); i++) {
  const fresh = await startServer();
  starts.push(fresh.startMs);
  firstOpens.push((await fresh.open('file:///bench/first.py', example)).ms);
  await fresh.stop();
}
report('server start (spawn → initialize answered)', starts);
report('first diagnostics after start (example script)', firstOpens, '≤ 300');

const server = await startServer();
for (const lines of SIZES) await measureScript(server, lines);
await measureConfig(server);

await server.stop();

/**
 * Memory of a fresh server with 50 documents open: the RSS right after the last diagnostics, and
 * after 40 s idle, the figure the target is read against: what the process holds once V8's memory
 * reducer (it runs by itself ~25 s after the last allocations) has collected the garbage of the
 * analyses and given back the pages. No GC is forced. `trainlens/memory` gives the heap at the end.
 */
const memory = [];
const MiB = (bytes) => (bytes / 2 ** 20).toFixed(0);
const IDLE_S = quick ? 1 : 40;
for (const [what, text] of [['the example (44 lines)', example], ['3,000 lines', generated(3000)]]) {
  const fresh = await startServer();
  const started = fresh.rss();
  for (let i = 0; i < MANY; i++) await fresh.open(`file:///bench/many-${i}.py`, `${text}\n# ${i}\n`);
  const opened = fresh.rss();
  await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
  const idle = await fresh.connection.sendRequest('trainlens/memory');
  memory.push(`RSS with ${MANY} documents of ${what} open: ${MiB(idle.rss)} MiB after ${IDLE_S} s idle (target ≤ 100 MB = 95 MiB; JS heap ${MiB(idle.heapUsed)} of ${MiB(idle.heapTotal)} MiB, external incl. tree-sitter wasm ${MiB(idle.external)} MiB), ${opened.toFixed(0)} MiB right after opening them, ${started.toFixed(0)} MiB at start`);
  await fresh.stop();
}
await bareParse();

const ms = (x) => (typeof x === 'number' ? x.toFixed(x < 10 ? 2 : 1) : x);
const width = Math.max(...rows.map((r) => r.what.length));
console.log(`\nTrainLens LSP over stdio (${process.platform}, Node ${process.version}, ${cpus().length} CPUs, load average ${loadAtStart} at start, ${loadAverage()} at end), milliseconds`);
console.log(`${'measure'.padEnd(width)}  ${'n'.padStart(3)}  ${'p50'.padStart(8)}  ${'p95'.padStart(8)}  ${'max'.padStart(8)}  target`);
for (const r of rows) console.log(`${r.what.padEnd(width)}  ${String(r.n).padStart(3)}  ${ms(r.p50).padStart(8)}  ${ms(r.p95).padStart(8)}  ${ms(r.max).padStart(8)}  ${r.target}`);
for (const line of memory) console.log(line);
