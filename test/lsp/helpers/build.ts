/** Rebuilds dist/ when a test needs the bundle and a source is newer than it. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

const SOURCES = ['server/src', 'estimator/src', 'grammars', 'scripts/build.mjs', 'package.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** The path of a bundle in dist/, built first when missing or older than its sources. */
export function builtBundle(name: string): string {
  const bundle = join(ROOT, 'dist', name);
  const sourcesTime = Math.max(...SOURCES.map((source) => newestMtime(join(ROOT, source))));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < sourcesTime) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
  return bundle;
}
