#!/usr/bin/env node
// Smoke test in a real desktop VS Code downloaded by @vscode/test-electron: TrainLens (from this
// checkout, built into dist/ by `npm run package`) activates and shows its OOM diagnostic on a
// Llama-2-7B full fine-tune with trainlens.gpu = V100-32GB. Run with `npm run test:electron`.
//
// Needs internet access to update.code.visualstudio.com. Without it, it says so and exits 0
// (SKIPPED); the real-editor test that runs offline is test/e2e/vscode.test.ts (code-server).
// On Linux without $DISPLAY it re-runs itself under xvfb-run when that is installed.
// Env: VSCODE_TEST_VERSION (default "stable"), VSCODE_TEST_CACHE (default .cache/vscode-test).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const UPDATE_HOST = 'update.code.visualstudio.com';
const version = process.env.VSCODE_TEST_VERSION ?? 'stable';
const cachePath = process.env.VSCODE_TEST_CACHE ?? path.join(root, '.cache/vscode-test');

const NETWORK_CODES = new Set([
  'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** True when `error` (an Error, a cause chain, or a string as test-electron sometimes throws) is a network failure. */
function isNetworkError(error) {
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e === 'string') return /Failed to get|getaddrinfo|ENOTFOUND|ECONN|ETIMEDOUT|network|timed? ?out/i.test(e);
    if (NETWORK_CODES.has(e.code)) return true;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (/getaddrinfo|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|Failed to get|network|timed? ?out/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}

function describe(error) {
  const parts = [];
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    parts.push(typeof e === 'string' ? e : `${e.code ? `${e.code}: ` : ''}${e.message ?? e}`);
  }
  return parts.join(' <- ');
}

function skip(reason) {
  console.log(`[smoke-electron] SKIPPED: no network access to ${UPDATE_HOST} to download VS Code (${reason}).`);
  console.log('[smoke-electron] This suite needs internet; offline, test/e2e/vscode.test.ts runs TrainLens in code-server instead.');
  process.exit(0);
}

async function main() {
  const started = Date.now();
  // Download, or reuse a cached copy; a network failure means SKIPPED, anything else a failure.
  const cached = fs.existsSync(cachePath) && fs.readdirSync(cachePath).some((d) => d.startsWith('vscode-'));
  if (!cached) {
    try {
      await fetch(`https://${UPDATE_HOST}/api/releases/stable`, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    } catch (e) {
      if (isNetworkError(e)) skip(describe(e));
      throw e;
    }
  }
  let vscodeExecutablePath;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath, timeout: 30_000 });
  } catch (e) {
    if (isNetworkError(e)) skip(describe(e));
    throw e;
  }
  console.log(`[smoke-electron] VS Code ${version}: ${vscodeExecutablePath} (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.TRAINLENS_UNDER_XVFB) {
    const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).stdout.trim();
    if (xvfb) {
      console.log('[smoke-electron] no $DISPLAY: re-running under xvfb-run');
      const r = spawnSync(xvfb, ['-a', process.execPath, fileURLToPath(import.meta.url)], {
        stdio: 'inherit',
        env: { ...process.env, TRAINLENS_UNDER_XVFB: '1' },
      });
      process.exit(r.status ?? 1);
    }
    console.warn('[smoke-electron] warning: no $DISPLAY and no xvfb-run (apt-get install xvfb); VS Code may not start');
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trainlens-smoke-'));
  try {
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });
    fs.mkdirSync(path.join(workspace, '.vscode'));
    fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'trainlens.gpu': 'V100-32GB' }, null, 2));
    if (!fs.existsSync(path.join(root, 'dist/client.js'))) {
      throw new Error('dist/client.js is missing: run `npm run build` (or `npm run test:electron`, which packages first)');
    }
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(here, 'suite/index.js'),
      launchArgs: [
        workspace,
        '--disable-extensions', // other extensions; the one under development still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(tmp, 'user-data'),
        '--extensions-dir', path.join(tmp, 'extensions'),
      ],
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`[smoke-electron] passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(`[smoke-electron] FAILED: ${describe(e)}`);
  process.exit(1);
});
