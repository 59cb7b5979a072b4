// One real-editor session for a test file: the packaged extension installed into a fresh code-server
// profile, a copy of examples/ as the workspace, Chromium on the workbench; evidence of failures kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { installExtension, makeDirs, startCodeServer, type CodeServerDirs, type RunningCodeServer } from './code-server';
import { ensureTools, ensureVsix, REPO_ROOT, RESULTS_DIR } from './env';
import { launchBrowser, openWorkbench } from './workbench';

/** User settings every session starts with (no trust dialog, no tips or startup editor). */
export const BASE_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'extensions.ignoreRecommendations': true,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'files.autoSave': 'off',
};

export interface EditorSession {
  page: Page;
  /** The workspace folder (a copy of examples/). */
  workspace: string;
  dirs: CodeServerDirs;
  log(line: string): void;
  /** Screenshot and code-server's logs into test-results/e2e/<prefix>-<name>*. */
  saveEvidence(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a session named `prefix` (its files in test-results/e2e/ start with it) with these user
 * settings on top of BASE_SETTINGS; resolves once the workbench shows the workspace.
 */
export async function startSession(prefix: string, settings: Record<string, unknown>): Promise<EditorSession> {
  const started = Date.now();
  const log = (line: string) => console.log(`[e2e ${prefix} ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  let dirs: CodeServerDirs | undefined;
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `trainlens-e2e-${prefix}-`));
  const workspace = path.join(tmp, 'workspace');

  async function saveEvidence(name: string): Promise<void> {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const safe = `${prefix}-${name}`.replace(/[^\w.-]+/g, '_');
    if (page) {
      const file = path.join(RESULTS_DIR, `${safe}.png`);
      await page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).then(
        () => log(`screenshot: ${path.relative(process.cwd(), file)}`),
        (e: Error) => log(`no screenshot: ${e.message}`),
      );
    }
    if (dirs && fs.existsSync(path.join(dirs.userData, 'logs'))) {
      fs.cpSync(path.join(dirs.userData, 'logs'), path.join(RESULTS_DIR, `${safe}-logs`), { recursive: true });
    }
  }

  async function stop(): Promise<void> {
    await browser?.close().catch((e: Error) => log(`browser.close: ${e.message}`));
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    log('stopped');
  }

  try {
    ensureTools(log);
    const vsix = ensureVsix(log);
    fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true });
    dirs = makeDirs(tmp, { ...BASE_SETTINGS, ...settings });
    installExtension(dirs, vsix);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    server = await startCodeServer(dirs, workspace, path.join(RESULTS_DIR, `${prefix}-code-server.log`));
    log(`code-server at ${server.url}`);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleLog = fs.createWriteStream(path.join(RESULTS_DIR, `${prefix}-browser-console.log`));
    page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
    await openWorkbench(page, server.url, workspace);
    log('workbench open');
  } catch (e) {
    await saveEvidence('start');
    await stop();
    throw e;
  }
  return { page, workspace, dirs, log, saveEvidence, stop };
}
