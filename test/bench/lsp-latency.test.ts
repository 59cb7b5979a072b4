/**
 * The LSP latency bench (lsp-latency.mjs, run by `npm run bench`) runs: in --quick mode it drives the
 * bundled server over stdio and prints its table, one row per figure with numbers, and the memory
 * line. Only that it runs and prints is checked here; the figures are read from `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { builtBundle, ROOT } from '../lsp/helpers/build';

it('runs in --quick mode and prints every figure', async () => {
  builtBundle('server.js');
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'test', 'bench', 'lsp-latency.mjs'), '--quick'], { cwd: ROOT, timeout: 170_000 });
  const number = String.raw`\d+(\.\d+)?`;
  for (const row of ['server start', 'first diagnostics after start', '3,000 lines: didOpen → diagnostics', '3,000 lines: didChange (1 char) → diagnostics', '3,000 lines: hover', '3,000 lines: codeAction', 'ds_config: completion', '3,000 lines: bare tree-sitter full parse', '3,000 lines: bare tree-sitter incremental parse (1 char)']) {
    expect(stdout).toMatch(new RegExp(`${row.replace(/[()]/g, '\\$&')}.*\\s${number}\\s+${number}\\s+${number}`));
  }
  expect(stdout).toMatch(new RegExp(`RSS with 10 documents of 3,000 lines open: ${number} MiB after 1 s idle`));
}, 180_000);
