/**
 * Real-editor test of TrainLens's commands and recovery, one code-server + Chromium session (the
 * harness of vscode.test.ts) on a copy of examples/ with trainlens.gpu = V100-32GB, on the
 * Llama-2-7B full fine-tune that does not fit. In order:
 * 1. "TrainLens: Show memory timeline": the webview's chart, peak label (the CLI's peak for the same
 *    file and GPU), capacity line, breakdown table, a quick fix's before/after, the theme's colours;
 * 2. the hover's "Show the memory timeline" command link opens that panel (the client trusts it);
 * 3. the language server killed with the document open: the client restarts it once, the status
 *    item says so, the documents are re-opened and the estimate and the OOM diagnostic return;
 * 4. "TrainLens: Fit this job to…": GPU type and count picked, the plans listed with memory and
 *    time as `trainlens plan --json` has them, the top one applied across the script and its
 *    DeepSpeed config, and the job then fits with the plan's memory per GPU.
 * Expected figures come from the CLI (bin/trainlens) on the workspace's files, never written here.
 * Same tools and knobs as vscode.test.ts (TRAINLENS_SKIP_E2E=1 skips it); evidence of a failure
 * goes to test-results/e2e/commands-*.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { gib, gibNumber } from '../../server/src/render/units';
import { REPO_ROOT } from './harness/env';
import { startSession, type EditorSession } from './harness/session';
import { modelIdPositions } from './harness/source';
import { goTo, HOVER, PROBLEM_ROWS, quickOpen, runCommand, startCommand, STATUS_ITEMS, until, waitForText, webviewFrame } from './harness/workbench';

const GPU = 'V100-32GB';
const FILE = 'llama2-7b-full-finetune.py';
const OOM = /needs (\d+(?:\.\d+)?) GiB per GPU; V100-32GB has 32\.0 GiB/;
const ANALYSIS_MS = 90_000;
const UI_MS = 30_000;
const skip = process.env.TRAINLENS_SKIP_E2E === '1';

interface ExplainJson {
  estimate: { per_gpu: { total: number } };
  values: Record<string, { value: unknown; reason?: string } | undefined>;
  simulations: { timeline?: { peak_allocated_bytes: number; peak_at: string } };
  fixes: { title: string; total_after_bytes: number; saves_bytes: number }[];
}
interface PlanJson {
  plans: { title: string; changes: { id: string; label: string }[]; per_gpu_total_bytes: number; fits: boolean; step_time_s: number }[];
}

/**
 * `bin/trainlens <args> --json` run in the workspace (it reads configs inside the folder it runs in),
 * parsed; exit 1 means "does not fit", not failure.
 */
function cli<T>(workspace: string, args: string[]): T {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/trainlens'), ...args, '--json'], { cwd: workspace, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`trainlens ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Language-server processes started from this session's extensions folder (dist/server.js). */
function serverPids(extensionsDir: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const cmdline = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      return cmdline.includes(extensionsDir) && cmdline.includes('dist/server.js') ? [Number(d)] : [];
    } catch {
      return []; // exited meanwhile
    }
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The timeline webview's frame once its panel (tab "Memory timeline: FILE") is open. */
async function timelineFrame(page: Page): Promise<Frame> {
  await page.locator('.tabs-container .tab', { hasText: `Memory timeline: ${FILE}` }).first().waitFor({ timeout: ANALYSIS_MS });
  return webviewFrame(page, '#peak-label', UI_MS);
}

describe.skipIf(skip)('TrainLens commands and recovery in a real VS Code (code-server + Chromium)', () => {
  let session: EditorSession;
  let page: Page;
  let file = '';
  let explain: ExplainJson;

  beforeAll(async () => {
    session = await startSession('commands', { 'trainlens.gpu': GPU });
    page = session.page;
    file = path.join(session.workspace, FILE);
    explain = cli<ExplainJson>(session.workspace, ['explain', file, '--gpu', GPU]);
    await quickOpen(page, FILE);
    await runCommand(page, 'View: Focus Problems');
    await waitForText(page, PROBLEM_ROWS, [OOM], ANALYSIS_MS, 'the OOM diagnostic');
  }, 20 * 60_000);

  afterAll(async () => {
    await session?.stop();
  }, 60_000);

  it('Show memory timeline: chart, the CLI\'s peak, capacity line, breakdown, a fix\'s before/after, theme colours', async () => {
    onTestFailed(() => session.saveEvidence('timeline'));
    const t0 = Date.now();
    const timeline = explain.simulations.timeline!;
    expect(timeline, 'the CLI has no step timeline for the example').toBeDefined();
    await quickOpen(page, FILE);
    await runCommand(page, 'TrainLens: Show memory timeline');
    const frame = await timelineFrame(page);

    // the chart is drawn: one filled area per component with a path, inside a laid-out SVG
    const box = await frame.locator('#timeline-chart').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    const areas = await frame.locator('#timeline-chart path.component').evaluateAll((els) => els.map((el) => el.getAttribute('d') ?? ''));
    expect(areas.length).toBeGreaterThanOrEqual(6);
    expect(areas.every((d) => /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){3,}Z$/.test(d))).toBe(true);

    // the peak the CLI reports for the same file and GPU
    const peak = `peak ${gibNumber(timeline.peak_allocated_bytes)} GiB allocated at ${timeline.peak_at}`;
    expect((await frame.locator('#peak-label').textContent())?.trim()).toBe(peak);
    const capacity = frame.locator('#capacity-line');
    expect(Number(await capacity.getAttribute('y1'))).toBeGreaterThan(0);
    expect(await frame.locator('svg .capacity-label').textContent()).toBe(`capacity ${GPU} 32.0 GiB`);
    const rows = await frame.locator('#breakdown tr').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows).toContain(`Total per GPU (component sum)${gib(explain.estimate.per_gpu.total)}`);

    // a quick fix with a timeline after it: its option shows the CLI's total after, the overlay a lower peak
    const options = await frame.locator('select#fix option').evaluateAll((els) => els.map((el) => ({ value: el.getAttribute('value') ?? '', text: el.textContent ?? '' })));
    const option = options.find((o) => o.value !== '' && !o.text.includes('(total only)'));
    expect(option, JSON.stringify(options)).toBeDefined();
    const fix = explain.fixes.find((f) => option!.text.startsWith(f.title));
    expect(fix, `no CLI fix titled like "${option!.text}"`).toBeDefined();
    expect(option!.text).toContain(`→ ${gib(fix!.total_after_bytes)}`);
    const overlay = frame.locator(`g.fix[data-fix="${option!.value}"]`);
    expect(await overlay.isVisible()).toBe(false);
    await frame.locator('select#fix').selectOption(option!.value);
    await overlay.waitFor({ state: 'visible', timeout: UI_MS });
    const after = /^after: peak ([\d.]+) GiB allocated at \S+/.exec((await overlay.locator('.after-label').textContent()) ?? '');
    expect(after, 'the overlay\'s "after: peak … GiB" label').not.toBeNull();
    expect(Number(after![1])).toBeLessThan(timeline.peak_allocated_bytes / 2 ** 30);
    expect(await frame.locator('g.fix').evaluateAll((els) => els.filter((el) => (el as unknown as { style: { display: string } }).style.display !== 'none').length)).toBe(1);

    // the theme's colours: the page's text is the workbench's foreground
    const workbenchForeground = await page.evaluate('getComputedStyle(document.querySelector(".monaco-workbench")).color');
    const bodyColour = await frame.evaluate('getComputedStyle(document.body).color');
    const peakFill = await frame.evaluate('getComputedStyle(document.getElementById("peak-label")).fill');
    expect(bodyColour).toBe(workbenchForeground);
    expect(peakFill).toBe(workbenchForeground);
    const background = await frame.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).not.toBe('rgba(0, 0, 0, 0)');
    session.log(`timeline: ${peak}; fix "${option!.text}" → ${after![0]}; foreground ${workbenchForeground} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 3 * 60_000);

  it('the hover\'s "Show the memory timeline" link opens the timeline of the hovered file', async () => {
    onTestFailed(() => session.saveEvidence('hover-link'));
    const t0 = Date.now();
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.tabs-container .tab', { hasText: 'Memory timeline' }).waitFor({ state: 'detached', timeout: UI_MS });
    await quickOpen(page, FILE);
    const position = modelIdPositions(fs.readFileSync(file, 'utf8'))[0];
    await goTo(page, position.line, position.column);
    await runCommand(page, 'Show or Focus Hover');
    await waitForText(page, HOVER, [/Step timeline: peak/, /Show the memory timeline/], ANALYSIS_MS, 'the hover with the timeline link');
    await page.locator(`${HOVER} a`, { hasText: 'Show the memory timeline' }).first().click({ timeout: UI_MS });
    const frame = await timelineFrame(page);
    const peak = explain.simulations.timeline!;
    expect((await frame.locator('#peak-label').textContent())?.trim()).toBe(`peak ${gibNumber(peak.peak_allocated_bytes)} GiB allocated at ${peak.peak_at}`);
    session.log(`hover link opened the timeline (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 3 * 60_000);

  it('a killed language server is restarted once, says so in the status item, and its diagnostics return', async () => {
    onTestFailed(() => session.saveEvidence('restart'));
    const t0 = Date.now();
    await runCommand(page, 'View: Close All Editors');
    await quickOpen(page, FILE);
    const estimate = `TrainLens: ${gibNumber(explain.estimate.per_gpu.total)} / 32.0 GiB ✗`;
    await waitForText(page, STATUS_ITEMS, [new RegExp(escapeRegExp(estimate))], ANALYSIS_MS, `the status item "${estimate}"`);
    const [pid, ...others] = serverPids(session.dirs.extensions);
    expect(others, 'one language server before the kill').toEqual([]);
    expect(pid).toBeGreaterThan(0);

    // record every text the status item takes (the restart may be brief)
    await page.evaluate(`(() => {
      const seen = (window.__trainlensStatus = []);
      const record = () => {
        for (const el of document.querySelectorAll(${JSON.stringify(STATUS_ITEMS)})) {
          const text = el.innerText;
          if (text.includes('TrainLens') && seen[seen.length - 1] !== text) seen.push(text);
        }
      };
      new MutationObserver(record).observe(document.querySelector('.part.statusbar'), { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);
    process.kill(pid, 'SIGKILL');
    const seen = () => page.evaluate('window.__trainlensStatus') as Promise<string[]>;
    await until(async () => ((await seen()).some((s) => s.includes('TrainLens: restarting the server')) ? true : undefined), UI_MS, 'the status item saying the server restarts');
    const restarted = await until(() => {
      const pids = serverPids(session.dirs.extensions);
      return pids.length === 1 && pids[0] !== pid ? pids[0] : undefined;
    }, ANALYSIS_MS, 'a new language server process');

    // the re-opened document is analysed again: the estimate and the OOM diagnostic are back
    await until(async () => ((await seen()).slice(-1)[0]?.includes(estimate) ? true : undefined), ANALYSIS_MS, `the status item back to "${estimate}"`);
    await runCommand(page, 'View: Focus Problems');
    await waitForText(page, PROBLEM_ROWS, [OOM], ANALYSIS_MS, 'the OOM diagnostic after the restart');
    // the new server answers requests, and no other one was started meanwhile
    const position = modelIdPositions(fs.readFileSync(file, 'utf8'))[0];
    await goTo(page, position.line, position.column);
    await runCommand(page, 'Show or Focus Hover');
    await waitForText(page, HOVER, [/Weights/, /Total per GPU/], ANALYSIS_MS, 'the breakdown hover from the new server');
    await page.keyboard.press('Escape');
    expect(serverPids(session.dirs.extensions)).toEqual([restarted]);
    const texts = await seen();
    expect(texts.filter((s) => s.includes('restarting')).length, texts.join(' | ')).toBeGreaterThanOrEqual(1);
    expect(texts.some((s) => s.includes('server stopped')), texts.join(' | ')).toBe(false);
    session.log(`restart: pid ${pid} killed, ${restarted} took over; status item: ${texts.join(' | ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 3 * 60_000);

  it('Fit this job to…: picks GPU type and count, lists the CLI\'s plans, applies the top one, and the job fits as planned', async () => {
    onTestFailed(() => session.saveEvidence('fit-job'));
    const t0 = Date.now();
    const plans = cli<PlanJson>(session.workspace, ['plan', file, '--gpu', GPU, '--gpus', '1']).plans;
    expect(plans.length).toBeGreaterThan(0);
    const top = plans[0];
    const before = fs.readFileSync(file, 'utf8');

    await runCommand(page, 'View: Close All Editors');
    await quickOpen(page, FILE);
    await startCommand(page, 'TrainLens: Fit this job to…');
    const input = page.locator('.quick-input-widget input:visible').first();
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await waitForText(page, '.quick-input-widget', [/GPU type/], UI_MS, 'the GPU type pick');
    await input.fill(GPU);
    await rows.filter({ hasText: GPU }).first().waitFor({ timeout: UI_MS });
    await page.keyboard.press('Enter');
    await waitForText(page, '.quick-input-widget', [/number of GPUs/], UI_MS, 'the GPU count box');
    await input.fill('1');
    await page.keyboard.press('Enter');

    // the plans as the CLI lists them, best first, with memory per GPU and step time
    await rows.filter({ hasText: top.title }).first().waitFor({ timeout: ANALYSIS_MS });
    const listed = await rows.allInnerTexts();
    for (const [i, plan] of plans.slice(0, listed.length).entries()) {
      expect(listed[i]).toContain(plan.title);
      expect(listed[i]).toContain(`${gib(plan.per_gpu_total_bytes)} per GPU`);
      expect(listed[i]).toContain(`${plan.step_time_s.toFixed(2)} s per step`);
    }
    await page.keyboard.press('Enter');
    // the command says when the whole edit is applied (script and config); then save each edited file
    // ("File: Save All" leaves a config the edit created unsaved in code-server 4.100: save each tab)
    await waitForText(page, '.notifications-toasts', [new RegExp(`TrainLens applied: ${escapeRegExp(top.title)}`)], UI_MS, 'the plan applied');
    const dirty = page.locator('.tabs-container .tab.dirty');
    // the script and its config changed as the plan says: the CLI reads the plan's values from the saved files
    // (a config the edit created can turn dirty after the script was saved: keep saving until the CLI sees the plan)
    const planRead = () => {
      const read = cli<ExplainJson>(session.workspace, ['explain', file, '--gpu', GPU]);
      try {
        for (const change of top.changes) checkChange(change, read.values, session.workspace);
        return read;
      } catch {
        return undefined;
      }
    };
    const now = await until(async () => {
      if ((await dirty.count()) === 0) return fs.readFileSync(file, 'utf8') !== before ? planRead() : undefined;
      const name = (await dirty.first().getAttribute('aria-label')) ?? '';
      await dirty.first().click();
      await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: UI_MS });
      await page.keyboard.press('Control+S');
      await page.locator('.tabs-container .tab.dirty', { hasText: name }).waitFor({ state: 'detached', timeout: UI_MS });
      return undefined;
    }, UI_MS, `every edited file saved, and the CLI reading the plan's values from them (${top.changes.map((c) => c.label).join(' + ')})`);
    // with the plan's memory per GPU, in the CLI and in the editor
    expect(gibNumber(now.estimate.per_gpu.total)).toBe(gibNumber(top.per_gpu_total_bytes));
    // the script was analysed when the edit changed it, before its new config was saved: the config's save
    // (a file-watcher event) makes the server analyse it again, with no restart and no edit of the script
    await page.locator('.tabs-container .tab', { hasText: FILE }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: FILE }).waitFor({ timeout: UI_MS });
    const fits = `TrainLens: ${gibNumber(top.per_gpu_total_bytes)} / 32.0 GiB ✓`;
    await waitForText(page, STATUS_ITEMS, [new RegExp(escapeRegExp(fits))], ANALYSIS_MS, `the status item "${fits}"`);
    await runCommand(page, 'View: Focus Problems');
    await page.waitForFunction(
      ({ selector, source }) => !Array.from((globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ innerText: string }> } }).document.querySelectorAll(selector)).some((el) => new RegExp(source).test(el.innerText)),
      { selector: PROBLEM_ROWS, source: OOM.source },
      { timeout: ANALYSIS_MS, polling: 250 },
    );
    session.log(`fit: applied "${top.title}" → ${fits} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 3 * 60_000);
});

/**
 * What a plan's change must have written, read back by the CLI from the saved files: the values its
 * label names, and the DeepSpeed config it wires in (on disk, with the stage and offload named).
 */
function checkChange(change: { id: string; label: string }, values: ExplainJson['values'], workspace: string): void {
  const batch = /^Micro-batch (\d+) with gradient accumulation (\d+)/.exec(change.label);
  if (batch) {
    expect(values.micro_batch?.value).toBe(Number(batch[1]));
    expect(values.grad_accum?.value).toBe(Number(batch[2]));
  }
  if (change.id === 'enable-gradient-checkpointing') expect(values.grad_checkpointing?.value).toBe(true);
  const zero = /^ZeRO stage (\d)( with optimizer( and parameter)? offload to CPU)?/.exec(change.label);
  if (zero) {
    const config = values.zero?.value as { stage: number; offload_optimizer?: string; offload_param?: string } | undefined;
    expect(config?.stage).toBe(Number(zero[1]));
    if (zero[2]) expect(config?.offload_optimizer).toBe('cpu');
    if (zero[3]) expect(config?.offload_param).toBe('cpu');
    const named = /^DeepSpeed config (\S+\.json)/.exec(values.zero?.reason ?? '');
    expect(named, `the ZeRO settings come from a DeepSpeed config: ${values.zero?.reason}`).not.toBeNull();
    const onDisk = JSON.parse(fs.readFileSync(path.join(workspace, named![1]), 'utf8')) as { zero_optimization: { stage: number } };
    expect(onDisk.zero_optimization.stage).toBe(Number(zero[1]));
  }
}
