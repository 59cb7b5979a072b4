/** Runs the bundled CLI (dist/cli.js, rebuilt when stale) as CI would, in a given folder. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtBundle, ROOT } from '../lsp/helpers/build';

export interface CliRun { status: number | null; stdout: string; stderr: string }

export function runCli(args: string[], cwd: string): CliRun {
  const result = spawnSync(process.execPath, [builtBundle('cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary folder with the given files (path → text; `@example:NAME` copies examples/NAME). */
export function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-tree-'));
  for (const [path, text] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    if (text.startsWith('@example:')) cpSync(join(ROOT, 'examples', text.slice('@example:'.length)), target);
    else writeFileSync(target, text);
  }
  return root;
}
