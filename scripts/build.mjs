/**
 * Bundles the extension client, the language server and the CLI with esbuild, and lays out the
 * assets the server loads at run time next to the bundles:
 *   dist/client.js, dist/server.js, dist/cli.js
 *   dist/grammars/{tree-sitter,tree-sitter-python,tree-sitter-json,tree-sitter-yaml}.wasm
 *   dist/queries/<language>/*.scm        (copied from grammars/queries)
 * Type checking is separate (`npm run typecheck`): esbuild only strips types.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

const entries = [
  { in: 'client/src/extension.ts', out: 'client.js', external: ['vscode'] },
  { in: 'server/src/main.ts', out: 'server.js', external: [] },
  { in: 'server/src/cli/main.ts', out: 'cli.js', external: [] },
];

const grammarFiles = [
  'web-tree-sitter/tree-sitter.wasm',
  'tree-sitter-python/tree-sitter-python.wasm',
  'tree-sitter-json/tree-sitter-json.wasm',
  '@tree-sitter-grammars/tree-sitter-yaml/tree-sitter-yaml.wasm',
];

/**
 * web-tree-sitter's ESM build locates itself through import.meta.url, which a CommonJS bundle does
 * not have; its CommonJS build uses __dirname. esbuild picks the "import" export condition for
 * `import` statements whatever the output format, so point the package at its .cjs file here.
 */
const webTreeSitterAsCommonJs = {
  name: 'web-tree-sitter-cjs',
  setup(build) {
    build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({
      path: join(dirname(require.resolve('web-tree-sitter/tree-sitter.wasm')), 'tree-sitter.cjs'),
    }));
  },
};

async function bundle(entry) {
  const source = join(root, entry.in);
  if (!existsSync(source)) {
    console.warn(`build: warning: ${entry.in} does not exist yet; dist/${entry.out} not built`);
    return;
  }
  await esbuild.build({
    entryPoints: [source],
    outfile: join(dist, entry.out),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: entry.external,
    sourcemap: true,
    // The server and CLI drop comments and whitespace (names are kept for stack traces): V8 holds
    // the source for as long as the process runs, and a comment's one non-ASCII character made it
    // two bytes per character (2.3 MiB of the server's heap, now 0.8). test/server/bundle.test.ts.
    minifyWhitespace: entry.out !== 'client.js',
    minifySyntax: entry.out !== 'client.js',
    logLevel: 'warning',
    plugins: [webTreeSitterAsCommonJs],
  });
}

/**
 * Copies `from` to `to` unless it is already there, through a temporary file and a rename, so a
 * server or CLI started while a build runs never reads a half-written or missing file.
 */
function syncFile(from, to) {
  const content = readFileSync(from);
  if (existsSync(to) && readFileSync(to).equals(content)) return;
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(`${to}.tmp`, content);
  renameSync(`${to}.tmp`, to);
}

/** Mirrors the .scm files of `from` in `to`, removing those that no longer exist. */
function syncQueries(from, to) {
  const files = (dir) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.scm')).map(String);
  const wanted = new Set(files(from));
  for (const file of wanted) syncFile(join(from, file), join(to, file));
  if (existsSync(to)) for (const file of files(to)) if (!wanted.has(file)) rmSync(join(to, file));
}

function copyAssets() {
  for (const file of grammarFiles) syncFile(require.resolve(file), join(dist, 'grammars', basename(file)));
  syncQueries(join(root, 'grammars', 'queries'), join(dist, 'queries'));
}

mkdirSync(dist, { recursive: true });
const results = await Promise.allSettled(entries.map(bundle));
copyAssets();
// esbuild has already printed each error with its location.
if (results.some((result) => result.status === 'rejected')) process.exitCode = 1;
