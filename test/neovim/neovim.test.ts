/**
 * TrainLens in a real Neovim (Debian's neovim, 0.7.2 on Debian 12) with its built-in LSP client and
 * no plugins, headless: test/neovim/client.lua opens a copy of the Llama-2-7B example, starts
 * `bin/trainlens-lsp` (the bundled server over stdio), and records what Neovim receives: the OOM
 * diagnostic, a hover on the model id, the code actions, and the diagnostic after it applied the
 * gradient-checkpointing fix. Needs `nvim`: scripts/neovim-setup.sh installs it, and this test runs
 * it when nvim is missing (TRAINLENS_SKIP_NEOVIM=1 skips the test, saying so).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtBundle, ROOT } from '../lsp/helpers/build';
import { positionOf } from '../lsp/helpers/lspClient';

const skip = process.env.TRAINLENS_SKIP_NEOVIM === '1';
if (skip) console.warn('[neovim] TRAINLENS_SKIP_NEOVIM=1: test/neovim/neovim.test.ts is SKIPPED');

interface Diagnostic { code: string; message: string; severity: number; source: string; range: { start: { line: number }; end: { line: number } } }
interface Received {
  steps: string[];
  error?: string;
  diagnostic?: Diagnostic;
  shown?: { lnum: number; severity: number; message: string; source: string }[];
  hover?: { contents: { kind: string; value: string } };
  actions?: { title: string; kind?: string }[];
  applied?: string;
  text_after?: string;
  diagnostic_after?: Diagnostic;
}

function hasNvim(): boolean {
  try {
    execFileSync('nvim', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function needsGiB(diagnostic: Diagnostic | undefined): number {
  const match = /^needs ([\d.]+) GiB per GPU; V100-32GB has 32\.0 GiB/.exec(diagnostic?.message ?? '');
  if (!match) throw new Error(`not an OOM message: ${JSON.stringify(diagnostic)}`);
  return Number(match[1]);
}

describe.skipIf(skip)('TrainLens in headless Neovim (vim.lsp, no plugins)', () => {
  let received: Received;
  let lspLog = '';

  beforeAll(async () => {
    if (!hasNvim()) execFileSync(join(ROOT, 'scripts', 'neovim-setup.sh'), { stdio: 'inherit' });
    if (!hasNvim()) throw new Error('nvim is not installed: run scripts/neovim-setup.sh (Debian package neovim)');
    builtBundle('server.js');
    const dir = mkdtempSync(join(tmpdir(), 'trainlens-nvim-'));
    const file = join(dir, 'finetune.py');
    copyFileSync(join(ROOT, 'examples', 'llama2-7b-full-finetune.py'), file);
    const text = readFileSync(file, 'utf8');
    const hover = positionOf(text, '"meta-llama/Llama-2-7b-hf"', 5);
    const outFile = join(dir, 'received.json');
    const env = {
      ...process.env,
      TRAINLENS_NVIM_CMD: JSON.stringify([process.execPath, join(ROOT, 'bin', 'trainlens-lsp')]),
      TRAINLENS_NVIM_FILE: file,
      TRAINLENS_NVIM_HOVER: `${hover.line}:${hover.character}`,
      TRAINLENS_NVIM_OUT: outFile,
      // Neovim's state, shada and lsp.log stay in the temporary folder.
      XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'),
      XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'cache'),
    };
    const nvim = spawn('nvim', ['--headless', '--clean', '-n', '-i', 'NONE', '-c', `luafile ${join(__dirname, 'client.lua')}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    nvim.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    nvim.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => nvim.kill('SIGKILL'), 110_000);
      nvim.once('exit', (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    const logFile = join(dir, 'cache', 'nvim', 'lsp.log');
    if (existsSync(logFile)) lspLog = readFileSync(logFile, 'utf8');
    if (!existsSync(outFile)) throw new Error(`Neovim exited ${code} without writing ${outFile}; its output: ${output}\nlsp.log: ${lspLog}`);
    received = JSON.parse(readFileSync(outFile, 'utf8'));
  }, 180_000);

  it('ran every step without a Lua error', () => {
    expect(received.error, `lsp.log:\n${lspLog}`).toBeUndefined();
    expect(received.steps).toEqual(['attached', 'diagnostic', 'hover', 'code actions', 'applied', 'diagnostic after']);
  });

  it('received the OOM diagnostic and shows it on the TrainingArguments batch size', () => {
    expect(received.diagnostic).toMatchObject({ code: 'TL001', severity: 1, source: 'trainlens' });
    expect(needsGiB(received.diagnostic)).toBeGreaterThan(32);
    const line = received.diagnostic!.range.start.line;
    const text = readFileSync(join(ROOT, 'examples', 'llama2-7b-full-finetune.py'), 'utf8').split('\n');
    expect(text[line]).toContain('per_device_train_batch_size');
    expect(received.shown).toContainEqual(expect.objectContaining({ lnum: line, severity: 1, source: 'trainlens', message: received.diagnostic!.message }));
  });

  it('received the memory breakdown as a Markdown hover on the model id', () => {
    expect(received.hover?.contents.kind).toBe('markdown');
    const markdown = received.hover!.contents.value;
    expect(markdown).toContain('| Weights |');
    expect(markdown).toContain('| **Total per GPU** |');
    expect(markdown).toContain('| Capacity (V100-32GB) | 32.0 GiB |');
  });

  it('received the quick fixes, applied gradient checkpointing, and got a smaller estimate', () => {
    expect(received.actions?.map((a) => a.title)).toContainEqual(expect.stringMatching(/^Enable gradient checkpointing\b.*\d GiB/));
    expect(received.actions!.every((a) => a.kind === 'quickfix')).toBe(true);
    expect(received.text_after).toContain('gradient_checkpointing=True');
    expect(needsGiB(received.diagnostic_after)).toBeLessThan(needsGiB(received.diagnostic));
  });
});
