/**
 * Real-editor test: the packaged extension (dist/trainlens.vsix) in code-server 4.100.3, driven in
 * Debian's Chromium by playwright-core. It checks what a user sees on a Llama-2-7B full fine-tune
 * with trainlens.gpu = V100-32GB: (a) the OOM diagnostic, (b) the memory-breakdown hover on the
 * model id, (c) the "Enable gradient checkpointing" quick fix and the diagnostic it changes.
 *
 * Needs code-server and chromium: installed by scripts/e2e/setup.sh, which this test runs when they
 * are missing (TRAINLENS_E2E_NO_SETUP=1 turns that off; the test then fails naming the script).
 * TRAINLENS_SKIP_E2E=1 skips it, saying so. Screenshots and logs of a failure: test-results/e2e/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { exampleWorkspace } from './harness/env';
import { startSession, type EditorSession } from './harness/session';
import { modelIdPositions } from './harness/source';
import {
  applyQuickFix,
  EDITOR_LINES,
  goTo,
  HOVER,
  openProblem,
  PROBLEM_ROWS,
  quickOpen,
  runCommand,
  until,
  waitForText,
} from './harness/workbench';

const GPU = 'V100-32GB';
const SETTINGS = { 'trainlens.gpu': GPU };
/** "needs 118.3 GiB per GPU; V100-32GB has 32.0 GiB (...)" */
const OOM = /needs (\d+(?:\.\d+)?) GiB per GPU; V100-32GB has 32\.0 GiB/;
const ANALYSIS_MS = 90_000; // first analysis includes the server's start and its grammar loading
const UI_MS = 30_000;

const skip = process.env.TRAINLENS_SKIP_E2E === '1';
if (skip) console.warn('[e2e] TRAINLENS_SKIP_E2E=1: the real-editor test (test/e2e/vscode.test.ts) is SKIPPED');

describe.skipIf(skip)('TrainLens in a real VS Code (code-server + Chromium)', () => {
  const phases: string[] = [];
  let session: EditorSession;
  let page: Page | undefined;
  let workspace = '';
  const fileName = exampleWorkspace().file;
  let oomBefore = 0;

  const log = (line: string) => session.log(line);
  const phase = (name: string, since: number) => phases.push(`${name} ${((Date.now() - since) / 1000).toFixed(1)} s`);
  const saveEvidence = (name: string) => session.saveEvidence(name);

  beforeAll(async () => {
    const t = Date.now();
    session = await startSession('editor', SETTINGS);
    ({ page, workspace } = session);
    await quickOpen(session.page, fileName);
    phase('start+open-file', t);
  }, 20 * 60_000);

  afterAll(async () => {
    await session?.stop();
    log(`real-editor test phases: ${phases.join(', ')}`);
  }, 60_000);

  it('(a) shows the OOM diagnostic in the Problems panel and as a squiggle', async () => {
    onTestFailed(() => saveEvidence('a-oom-diagnostic'));
    const t = Date.now();
    const p = page!;
    await runCommand(p, 'View: Focus Problems');
    const row = await waitForText(p, PROBLEM_ROWS, [OOM], ANALYSIS_MS, `the OOM diagnostic ("needs … GiB per GPU; ${GPU} has 32.0 GiB")`);
    oomBefore = Number(OOM.exec(row)![1]);
    expect(oomBefore).toBeGreaterThan(32);
    // and on the line it names, a red squiggle
    await openProblem(p, OOM);
    await p.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: UI_MS });
    log(`(a) OOM: ${row.split('\n')[0]}`);
    phase('(a)', t);
  }, 2 * 60_000);

  it('(b) hovering the model id shows the memory breakdown', async () => {
    onTestFailed(() => saveEvidence('b-hover'));
    const t = Date.now();
    const p = page!;
    const source = fs.readFileSync(path.join(workspace, fileName), 'utf8');
    const positions = modelIdPositions(source);
    expect(positions.length, `no Hugging Face model id string in ${fileName}`).toBeGreaterThan(0);
    let hover = '';
    const misses: string[] = [];
    for (const [i, pos] of positions.entries()) {
      await goTo(p, pos.line, pos.column);
      await runCommand(p, 'Show or Focus Hover');
      try {
        // the last candidate gets the whole wait; earlier ones a shorter one before moving on
        hover = await waitForText(p, HOVER, [/Weights/, /Total/], i === positions.length - 1 ? UI_MS : 10_000, 'the breakdown hover');
        break;
      } catch (e) {
        misses.push(`${pos.line}:${pos.column}: ${(e as Error).message}`);
        await p.keyboard.press('Escape');
      }
    }
    expect(hover, misses.join('\n')).not.toBe('');
    expect(hover).toMatch(/Gradients/);
    expect(hover).toMatch(/Optimizer states/);
    expect(hover).toContain(GPU);
    log(`(b) hover:\n${hover}`);
    await p.keyboard.press('Escape');
    phase('(b)', t);
  }, 2 * 60_000);

  it('(c) the "Enable gradient checkpointing" quick fix edits the script and lowers the total', async () => {
    onTestFailed(() => saveEvidence('c-quick-fix'));
    expect(oomBefore, 'needs the OOM diagnostic of (a), which did not show').toBeGreaterThan(0);
    const t = Date.now();
    const p = page!;
    await openProblem(p, OOM);
    const title = await applyQuickFix(p, /Enable gradient checkpointing/);
    log(`(c) applied quick fix: ${title}`);

    // the edit is in the document: save it and read the file; then see it on screen
    await p.keyboard.press('Control+S');
    const file = path.join(workspace, fileName);
    const saved = await until(() => {
      const text = fs.readFileSync(file, 'utf8');
      return /gradient_checkpointing\s*=\s*True/.test(text) ? text : undefined;
    }, UI_MS, `${fileName} saved with gradient_checkpointing=True`);
    const line = saved.split('\n').findIndex((l) => /gradient_checkpointing\s*=\s*True/.test(l)) + 1;
    await goTo(p, line, 1);
    await waitForText(p, EDITOR_LINES, [/gradient_checkpointing\s*=\s*True/], UI_MS, 'gradient_checkpointing=True in the editor');

    // the diagnostic is recomputed with a lower total
    const before = oomBefore.toFixed(1).replace('.', '\\.');
    const changed = new RegExp(`needs (?!${before} GiB)(\\d+(?:\\.\\d+)?) GiB per GPU; V100-32GB|uses (\\d+(?:\\.\\d+)?) GiB of 32\\.0 GiB`);
    await runCommand(p, 'View: Focus Problems');
    const after = await waitForText(p, PROBLEM_ROWS, [changed], ANALYSIS_MS, `a new total (not ${oomBefore} GiB) after the fix`);
    const m = changed.exec(after)!;
    const total = Number(m[1] ?? m[2]);
    expect(total).toBeLessThan(oomBefore);
    log(`(c) after the fix: ${after.split('\n')[0]} (was ${oomBefore} GiB)`);
    phase('(c)', t);
  }, 3 * 60_000);
});

