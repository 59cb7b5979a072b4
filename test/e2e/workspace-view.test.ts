/**
 * Real-editor test of the workspace view: the packaged extension in code-server + Chromium (H4's
 * harness), a copy of examples/ with trainlens.gpu = V100-32GB. The "TrainLens: GPU fit" view in
 * the Explorer must list the four example scripts worst first, each with its fit, memory against
 * capacity and the GPUs it was judged against (the GPT-2 script's own `# trainlens:` comment
 * included), a click on the out-of-memory script must open it with the breakdown hover, and the
 * walkthrough's "Select GPU Type" must write trainlens.gpu, after which the view re-judges; a shell script
 * created with a `tune run` of a built-in config must appear, labelled by its finding, and open at it.
 * Same tools and knobs as vscode.test.ts (TRAINLENS_SKIP_E2E=1 skips it); evidence of a failure
 * goes to test-results/e2e/workspace-view-*.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { CodeServerDirs } from './harness/code-server';
import { REPO_ROOT } from './harness/env';
import { startSession, type EditorSession } from './harness/session';
import { allText, HOVER, waitForText } from './harness/workbench';

const SETTINGS = { 'trainlens.gpu': 'V100-32GB' };
/** Rows of the side bar's trees; the view's rows are those with "fit · memory · GPUs" descriptions. */
const SIDEBAR_ROWS = '.part.sidebar .monaco-list-row';
const VIEW_ROW = /(OOM|tight|fits|unknown) · /;
const ANALYSIS_MS = 90_000;

const skip = process.env.TRAINLENS_SKIP_E2E === '1';

describe.skipIf(skip)('the TrainLens workspace view in a real VS Code (code-server + Chromium)', () => {
  let session: EditorSession;
  let page: Page | undefined;
  let dirs: CodeServerDirs | undefined;
  const log = (line: string) => session.log(line);
  const saveEvidence = (name: string) => session.saveEvidence(name);

  beforeAll(async () => {
    session = await startSession('workspace-view', SETTINGS);
    ({ page, dirs } = session);
  }, 20 * 60_000);

  afterAll(async () => {
    await session?.stop();
  }, 60_000);

  it('lists every example script worst first, with its fit, memory and the GPUs it was judged against', async () => {
    onTestFailed(() => saveEvidence('list'));
    const p = page!;
    // the view's section at the bottom of the Explorer: expand it (its header, upper-cased by CSS)
    const header = p.locator('.part.sidebar .pane-header', { hasText: 'TrainLens: GPU fit' });
    await header.waitFor({ timeout: 60_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await waitForText(p, SIDEBAR_ROWS, [/llama2-7b-full-finetune\.py/, /OOM · [\d.]+ \/ 32\.0 GiB · 1 × V100-32GB/], ANALYSIS_MS, 'the Llama-2 script as OOM on V100-32GB');
    await waitForText(p, SIDEBAR_ROWS, [/gpt2-small-from-scratch\.py/, /fits · [\d.]+ \/ 24\.0 GiB · 1 × RTX-4090/], ANALYSIS_MS, 'the GPT-2 script judged against its own # trainlens: RTX-4090');
    await waitForText(p, SIDEBAR_ROWS, [/opt-6\.7b-lora\.py/, /(fits|tight) · [\d.]+ \/ 32\.0 GiB · 1 × V100-32GB/], ANALYSIS_MS, 'the OPT LoRA script');
    await waitForText(p, SIDEBAR_ROWS, [/llama2-7b-zero3-offload\.py/, /fits · [\d.]+ \/ 32\.0 GiB · 4 × V100-32GB/], ANALYSIS_MS, 'the ZeRO-3 script judged against its own # trainlens: gpus=4');
    const rows = (await allText(p, SIDEBAR_ROWS)).split('\n---\n').filter((row) => VIEW_ROW.test(row));
    log(`view rows:\n${rows.join('\n')}`);
    expect(rows.filter((row) => /^[\w.-]+\.py/.test(row))).toHaveLength(4);
    expect(rows[0]).toMatch(/^llama2-7b-full-finetune\.py/);
    await waitForText(p, '.part.sidebar .pane-header', [/TrainLens: GPU fit/i, /1 OOM/i], 30_000, 'the view\'s totals');
  }, 3 * 60_000);

  it('opens the out-of-memory script at its verdict with the breakdown hover on a click', async () => {
    onTestFailed(() => saveEvidence('click'));
    const p = page!;
    await p.locator(SIDEBAR_ROWS, { hasText: /OOM · / }).first().click();
    await p.locator('.tabs-container .tab.active', { hasText: 'llama2-7b-full-finetune.py' }).waitFor({ timeout: 30_000 });
    const hover = await waitForText(p, HOVER, [/Weights/, /Total per GPU/, /V100-32GB/], ANALYSIS_MS, 'the breakdown hover');
    log(`hover:\n${hover}`);
    const line = await p.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().innerText();
    const source = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'llama2-7b-full-finetune.py'), 'utf8').split('\n');
    const lineNumber = Number(/Ln (\d+)/.exec(line)![1]);
    expect(source[lineNumber - 1]).toContain('per_device_train_batch_size');
  }, 3 * 60_000);

  it('the walkthrough picks the GPU type into the settings, and the view judges against it', async () => {
    onTestFailed(() => saveEvidence('walkthrough'));
    const p = page!;
    await p.keyboard.press('F1');
    const input = p.locator('.quick-input-widget input');
    await input.fill('>Welcome: Open Walkthrough');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Walkthrough' }).first().waitFor({ timeout: 30_000 });
    await p.keyboard.press('Enter');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with TrainLens' }).first().click({ timeout: 30_000 });
    await p.locator('.getting-started-step', { hasText: 'Set how many GPUs a job uses' }).first().waitFor({ timeout: 30_000 });
    await p.locator('.getting-started-step a, .getting-started-step button', { hasText: 'Select GPU Type' }).first().click({ timeout: 30_000 });
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'NVIDIA Tesla V100 32GB' }).first().waitFor({ timeout: 30_000 });
    // The quick pick's list is virtual (rows below the fold are not rendered): filter it through its visible input,
    // focused first, since the walkthrough page may still hold the focus for a moment.
    const filter = p.locator('.quick-input-widget input:visible').first();
    await filter.click();
    await filter.fill('A100-80GB');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'A100-80GB' }).first().waitFor({ timeout: 30_000 });
    await p.keyboard.press('Enter');
    const settingsFile = path.join(dirs!.userData, 'User', 'settings.json');
    await expect.poll(() => JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['trainlens.gpu'], { timeout: 30_000 }).toBe('A100-80GB');
    await waitForText(p, SIDEBAR_ROWS, [/opt-6\.7b-lora\.py/, /fits · [\d.]+ \/ 80\.0 GiB · 1 × A100-80GB/], ANALYSIS_MS, 'the OPT script judged against the A100-80GB just picked');
  }, 3 * 60_000);

  it('a shell script created with a tune run of a built-in config is listed by its finding, and a click opens the finding\'s hover', async () => {
    onTestFailed(() => saveEvidence('shell'));
    const p = page!;
    fs.writeFileSync(path.join(session.workspace, 'finetune.sh'), '#!/bin/bash\ntune run lora_finetune_single_device --config llama3_1/8B_lora_single_device\n');
    fs.writeFileSync(path.join(session.workspace, 'prep.sh'), '#!/bin/bash\npython prep.py\n');
    const row = /finetune\.sh.*config not readable: tune cp llama3_1\/8B_lora_single_device \.\/8B_lora_single_device\.yaml/s;
    await waitForText(p, SIDEBAR_ROWS, [row], ANALYSIS_MS, 'the shell script listed by its finding (the view refreshed on its creation)');
    await waitForText(p, '.part.sidebar .pane-header', [/TrainLens: GPU fit/i, /1 shell script/i], 30_000, 'the view\'s totals');
    // the Explorer lists prep.sh too, as its bare name; a row of the view would carry a description after it
    const rows = (await allText(p, SIDEBAR_ROWS)).split('\n---\n').map((row) => row.trim());
    expect(rows.filter((row) => row.startsWith('prep.sh') && row !== 'prep.sh')).toEqual([]);
    await p.locator(SIDEBAR_ROWS, { hasText: 'config not readable' }).first().click();
    await p.locator('.tabs-container .tab.active', { hasText: 'finetune.sh' }).waitFor({ timeout: 30_000 });
    const hover = await waitForText(p, HOVER, [/tune cp llama3_1\/8B_lora_single_device/], ANALYSIS_MS, 'the finding\'s hover');
    log(`shell hover:\n${hover}`);
    await waitForText(p, '.statusbar-item', [/Ln 2, Col 47/], 30_000, 'the cursor on the config\'s name');
  }, 3 * 60_000);
});
