// Drives the VS Code workbench in Chromium: every wait is a condition with a deadline, no sleeps.
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { CHROMIUM } from './env';

// The page functions below run in the browser; tsconfig has no DOM lib, so declare what they use
// (module-scoped, nothing global).
interface PageElement {
  innerText: string;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement> };

/** Chromium flags from shared/reference/e2e-vscode.md (root, no GPU, no network chatter). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Opens the workbench on a folder and waits until its editor area is there. */
export async function openWorkbench(page: Page, baseUrl: string, folder: string, timeoutMs = 90_000): Promise<void> {
  await page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}`, { timeout: timeoutMs });
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout: timeoutMs });
  // the explorer lists the folder once the remote file system answers
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: timeoutMs });
}

/** Quick Open (Ctrl+P), type the name, pick it; resolves when its editor tab is active. */
export async function quickOpen(page: Page, fileName: string, timeoutMs = 60_000): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(fileName);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: fileName })
    .first()
    .waitFor({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
  await page
    .locator('.tabs-container .tab.active', { hasText: fileName })
    .waitFor({ timeout: timeoutMs });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: timeoutMs });
}

/** Runs a command by its title through the command palette (F1); resolves once the palette has closed. */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  await startCommand(page, title, timeoutMs);
  await page.locator('.quick-input-widget input').waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** The same, for a command that opens its own quick pick in the same widget: resolves once it is picked. */
export async function startCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

/** Moves the cursor with Go to Line (Ctrl+G, "line:column", both 1-based). */
export async function goTo(page: Page, line: number, column: number, timeoutMs = 30_000): Promise<void> {
  await page.locator('.editor-instance .monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`:${line}:${column}`); // Ctrl+G is Quick Open with a ':' prefix
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: timeoutMs });
  await page
    .locator('.statusbar-item', { hasText: `Ln ${line}, Col ${column}` })
    .first()
    .waitFor({ timeout: timeoutMs });
}

/**
 * Selects the Problems panel row whose text matches `pattern` and opens it (Enter): the editor
 * gets the focus with its cursor on the diagnostic's start.
 */
export async function openProblem(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  await runCommand(page, 'View: Focus Problems');
  await page.locator(PROBLEM_ROWS, { hasText: pattern }).first().click({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
  await page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ timeout: timeoutMs });
}

/**
 * Opens the Quick Fix menu (Ctrl+.) at the cursor and applies the action whose title matches
 * `title`, moving to it with the arrow keys (the menu blocks pointer events while it opens).
 * Returns the action's full title.
 */
export async function applyQuickFix(page: Page, title: RegExp, timeoutMs = 30_000): Promise<string> {
  await page.keyboard.press('Control+.');
  const rows = page.locator(CODE_ACTION_ROWS);
  const wanted = rows.filter({ hasText: title }).first();
  await wanted.waitFor({ timeout: timeoutMs }).catch(async (e: Error) => {
    const offered = await rows.allInnerTexts().catch(() => []);
    throw new Error(`no quick fix matching ${title}; offered: ${JSON.stringify(offered)} (${e.message.split('\n')[0]})`);
  });
  const label = (await wanted.getAttribute('aria-label')) ?? (await wanted.innerText());
  const count = await rows.count();
  for (let i = 0; i <= count; i++) {
    if (await wanted.evaluate((el) => (el as unknown as { classList: { contains(c: string): boolean } }).classList.contains('focused'))) {
      await page.keyboard.press('Enter');
      await rows.first().waitFor({ state: 'detached', timeout: timeoutMs });
      return label.trim();
    }
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`could not move the Quick Fix menu's focus to ${title}`);
}

/**
 * Waits until some element matching `selector` has innerText matching every pattern; returns
 * that text (non-breaking spaces, as Monaco renders them, turned into spaces).
 */
export async function waitForText(
  page: Page,
  selector: string,
  patterns: RegExp[],
  timeoutMs: number,
  what: string,
): Promise<string> {
  const sources = patterns.map((p) => [p.source, p.flags] as const);
  try {
    const handle = await page.waitForFunction(
      ({ selector, sources }) => {
        for (const el of Array.from(document.querySelectorAll(selector))) {
          const text = el.innerText.replace(/\u00a0/g, ' ');
          if (sources.every(([s, f]) => new RegExp(s, f).test(text))) return text;
        }
        return false;
      },
      { selector, sources },
      { timeout: timeoutMs, polling: 250 },
    );
    return (await handle.jsonValue()) as string;
  } catch (e) {
    const seen = await allText(page, selector);
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${what}: no "${selector}" matched ` +
        `${patterns.map(String).join(' and ')}; saw:\n${seen || '(nothing)'}\n(${(e as Error).message.split('\n')[0]})`,
    );
  }
}

export async function allText(page: Page, selector: string): Promise<string> {
  return page
    .evaluate(
      (sel) => Array.from(document.querySelectorAll(sel)).map((el) => el.innerText).join('\n---\n'),
      selector,
    )
    .catch(() => '');
}

/** The Problems panel's rows, one string per marker. */
export const PROBLEM_ROWS = '.markers-panel .monaco-list-row';
/** The text of the active editor's visible lines. */
export const EDITOR_LINES = '.editor-instance .monaco-editor .view-lines';
/** A shown hover (editor hover widget). */
export const HOVER = '.monaco-hover';
/** The rows of the code-action (Quick Fix) menu. */
export const CODE_ACTION_ROWS = '.action-widget .monaco-list-row';

/**
 * The webview frame whose document has `selector` (code-server nests a webview's page two iframes
 * deep, under URLs that name no extension): polled over page.frames() until the deadline.
 */
export async function webviewFrame(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for a webview with "${selector}"; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
    }
    await page.waitForTimeout(200);
  }
}

/** The status bar's items' texts, one string each. */
export const STATUS_ITEMS = '.statusbar-item';

/** The first value `probe` gives (anything but undefined), probed every 200 ms until the deadline. */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
