/**
 * `npm run accuracy`: writes docs/accuracy.md from scripts/accuracy.ts. esbuild bundles the TypeScript
 * generator (and the estimator it runs) into a temporary CommonJS file, which is loaded and then removed.
 * The calibration cases are read from TRAINLENS_CALIBRATION or test/fixtures/calibration/measured.json.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const calibration = process.env.TRAINLENS_CALIBRATION ?? join(root, 'test', 'fixtures', 'calibration', 'measured.json');
if (!existsSync(calibration)) {
  console.error(`accuracy: no calibration data at ${calibration} (set TRAINLENS_CALIBRATION)`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'trainlens-accuracy-'));
try {
  const outfile = join(dir, 'accuracy.cjs');
  await esbuild.build({
    entryPoints: [join(root, 'scripts', 'accuracy.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  const { accuracyMarkdown } = createRequire(import.meta.url)(outfile);
  const cases = JSON.parse(readFileSync(calibration, 'utf8'));
  const target = join(root, 'docs', 'accuracy.md');
  writeFileSync(target, accuracyMarkdown(cases));
  console.log(`accuracy: wrote ${target} (${cases.length} calibration cases)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
