// Where the real-editor test finds its tools, and how it makes sure they are there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SETUP_SCRIPT = 'scripts/e2e/setup.sh';
export const CODE_SERVER_CACHE =
  process.env.TRAINLENS_E2E_CACHE ?? path.join(REPO_ROOT, '.cache/code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_CACHE, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.TRAINLENS_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results/e2e');

function missingTools(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(path.join(CODE_SERVER_CACHE, '.ready')) || !fs.existsSync(CODE_SERVER_ENTRY)) {
    missing.push(`code-server 4.100.3 (${CODE_SERVER_ENTRY})`);
  }
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  return missing;
}

/**
 * Runs scripts/e2e/setup.sh when code-server or chromium is missing (unless
 * TRAINLENS_E2E_NO_SETUP=1), then throws, naming the script, if they are still missing.
 * The script is idempotent and returns in well under a second when all is installed.
 */
export function ensureTools(log: (line: string) => void): void {
  let missing = missingTools();
  if (missing.length === 0) return;
  if (process.env.TRAINLENS_E2E_NO_SETUP !== '1') {
    log(`missing ${missing.join(', ')}; running ${SETUP_SCRIPT} (a few minutes on a fresh machine)`);
    const t0 = Date.now();
    const r = spawnSync('bash', [path.join(REPO_ROOT, SETUP_SCRIPT)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 15 * 60_000,
    });
    log(`${SETUP_SCRIPT} exited with ${r.status ?? r.signal} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    missing = missingTools();
  }
  if (missing.length > 0) {
    throw new Error(
      `The real-editor test needs ${missing.join(' and ')}: run \`${SETUP_SCRIPT}\` to install them ` +
        `(as root on Debian: apt packages, and code-server into ${CODE_SERVER_CACHE}).`,
    );
  }
}

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

const inRepo = (...paths: string[]) => paths.map((p) => path.join(REPO_ROOT, p));
/** What dist/'s bundles are built from (as test/lsp/helpers/build.ts, plus the client). */
const BUILD_SOURCES = inRepo('server/src', 'estimator/src', 'client/src', 'grammars', 'scripts/build.mjs', 'package.json');
const BUNDLES = inRepo('dist/client.js', 'dist/server.js');
/** What the .vsix holds (.vscodeignore). */
const VSIX_INPUTS = inRepo('dist/client.js', 'dist/server.js', 'dist/grammars', 'dist/queries', 'package.json', 'README.md', 'LICENSE', 'examples', 'media');

function run(command: string, args: string[], what: string): void {
  const r = spawnSync(command, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 5 * 60_000,
    env: { ...process.env, PATH: `${path.join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
  });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`);
}

/**
 * Returns dist/trainlens.vsix, made fresh when needed: `npm run package` when the bundles are
 * missing or older than their sources; when only the .vsix is stale (`npm test` has just built),
 * the package script's vsce step alone, so that dist/ is not rebuilt under tests running beside.
 * TRAINLENS_E2E_VSIX=path installs that .vsix instead (to check the harness on its own).
 */
export function ensureVsix(log: (line: string) => void): string {
  if (process.env.TRAINLENS_E2E_VSIX) return freshVsix(log);
  // Several e2e files may run at once: one packages while the others wait, then find it fresh.
  const lock = path.join(REPO_ROOT, 'dist', '.vsix-lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // a lock older than the packaging timeout was left by a killed run
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 6 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (another test packaging the extension)`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return freshVsix(log);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function freshVsix(log: (line: string) => void): string {
  const override = process.env.TRAINLENS_E2E_VSIX;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`TRAINLENS_E2E_VSIX=${override} does not exist`);
    log(`installing ${override} (TRAINLENS_E2E_VSIX), not dist/trainlens.vsix`);
    return path.resolve(override);
  }
  const vsix = path.join(REPO_ROOT, 'dist/trainlens.vsix');
  const t0 = Date.now();
  const built = BUNDLES.every((b) => fs.existsSync(b)) &&
    Math.min(...BUNDLES.map((b) => fs.statSync(b).mtimeMs)) >= Math.max(...BUILD_SOURCES.map(newestMtime));
  const packageScript: string =
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts?.package ?? '';
  const vsceStep = /^npm run build && (vsce package .*)$/.exec(packageScript)?.[1];
  if (!built || !vsceStep) {
    log('dist/ is missing or older than its sources; running `npm run package`');
    run('npm', ['run', 'package'], '`npm run package`');
  } else if (!fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < Math.max(...VSIX_INPUTS.map(newestMtime))) {
    log(`dist/trainlens.vsix is missing or older than dist/; running \`${vsceStep}\``);
    run('sh', ['-c', vsceStep], `\`${vsceStep}\``);
  } else {
    return vsix;
  }
  if (!fs.existsSync(vsix)) throw new Error('packaging did not write dist/trainlens.vsix');
  log(`packaged in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return vsix;
}

/** The workspace to open (the test copies it): the bundled examples, with the Llama-2-7B fine-tune that does not fit. */
export function exampleWorkspace(): { dir: string; file: string } {
  const file = 'llama2-7b-full-finetune.py';
  const examples = path.join(REPO_ROOT, 'examples');
  if (!fs.existsSync(path.join(examples, file))) throw new Error(`examples/${file} is missing: the real-editor test opens it`);
  return { dir: examples, file };
}
