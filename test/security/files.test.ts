/**
 * What the server may read (server/src/workspace/files.ts): files inside the workspace folders and
 * the Hugging Face cache, never a path or a symlink that leads out of them, nothing too large,
 * nothing binary. Real files and symlinks in a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceFiles, type WorkspaceFiles } from '../../server/src/workspace/files';

let base: string;
let workspace: string;
let outside: string;
let hfCache: string;
let files: WorkspaceFiles;
let script: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'trainlens-security-'));
  workspace = join(base, 'workspace');
  outside = join(base, 'outside');
  hfCache = join(base, 'hf', 'hub');
  for (const dir of [join(workspace, 'configs'), outside, join(hfCache, 'models--openai-community--gpt2', 'snapshots', 'abc'), join(hfCache, 'models--evil--model', 'snapshots', 'abc')]) mkdirSync(dir, { recursive: true });
  script = pathToFileURL(join(workspace, 'train.py')).href;
  writeFileSync(join(workspace, 'train.py'), 'x = 1\n');
  writeFileSync(join(workspace, 'configs', 'ds_config.json'), '{"zero_optimization": {"stage": 2}}');
  writeFileSync(join(outside, 'secret.json'), '{"token": "do not read"}');
  writeFileSync(join(hfCache, 'models--openai-community--gpt2', 'snapshots', 'abc', 'config.json'), '{"n_layer": 12}');
  symlinkSync(join(outside, 'secret.json'), join(hfCache, 'models--evil--model', 'snapshots', 'abc', 'config.json'));
  writeFileSync(join(workspace, 'big.json'), `{"pad": "${'x'.repeat(5000)}"}`);
  writeFileSync(join(workspace, 'weights.json'), Buffer.from([0x7b, 0x00, 0x01, 0x7d]));
  symlinkSync(join(outside, 'secret.json'), join(workspace, 'link-out.json'));
  symlinkSync(outside, join(workspace, 'dir-out'));
  symlinkSync(join(workspace, 'configs', 'ds_config.json'), join(workspace, 'link-in.json'));
  symlinkSync(join(workspace, 'loop-a'), join(workspace, 'loop-b'));
  symlinkSync(join(workspace, 'loop-b'), join(workspace, 'loop-a'));
  files = createWorkspaceFiles([workspace], { hfCache, maxBytes: 4096 });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

function refused(ref: string): string {
  const result = files.read(ref, script);
  expect(result.ok, `${ref} was read`).toBe(false);
  return result.ok ? '' : result.reason;
}

describe('workspace file reader', () => {
  it('reads a file beside the script, under the workspace, through a symlink that stays inside, and in the HF cache', () => {
    for (const ref of ['configs/ds_config.json', './configs/../configs/ds_config.json', 'link-in.json', join(workspace, 'configs', 'ds_config.json')]) {
      const result = files.read(ref, script);
      expect(result, ref).toMatchObject({ ok: true, text: '{"zero_optimization": {"stage": 2}}' });
    }
    expect(files.read(join(hfCache, 'models--openai-community--gpt2', 'snapshots', 'abc', 'config.json'), script)).toMatchObject({ ok: true, text: '{"n_layer": 12}' });
  });

  it('refuses paths that leave the workspace: ../, absolute, symlinked files and folders', () => {
    expect(refused('../outside/secret.json')).toMatch(/outside the workspace/);
    expect(refused(join(outside, 'secret.json'))).toMatch(/outside the workspace/);
    expect(refused('link-out.json')).toMatch(/outside the workspace/);
    expect(refused('dir-out/secret.json')).toMatch(/outside the workspace/);
    expect(refused('/etc/passwd')).toMatch(/outside the workspace/);
  });

  it('refuses large and binary files, folders, missing files and symlink loops with a reason', () => {
    expect(refused('big.json')).toMatch(/larger than 4 KiB/);
    expect(refused('weights.json')).toMatch(/binary/);
    expect(refused('configs')).toMatch(/not a file/);
    expect(refused('missing.json')).toMatch(/not found/);
    expect(refused('loop-a')).toMatch(/not found/);
  });

  it('lists files without following symlinked folders out, and reads hub configs only from the cache', () => {
    const listed = files.list((name) => name.endsWith('.json'));
    expect(listed.some((p) => p.endsWith(join('configs', 'ds_config.json')))).toBe(true);
    expect(listed.filter((p) => p.includes('dir-out') || p.startsWith(outside))).toEqual([]);
    expect(files.readHubConfig('openai-community/gpt2')).toMatchObject({ ok: true, text: '{"n_layer": 12}' });
    expect(files.readHubConfig('evil/model')).toMatchObject({ ok: false }); // its config.json links out of the cache
    expect(files.readHubConfig('../../outside/secret')).toMatchObject({ ok: false });
  });

  it('a workspace folder missing from disk is dropped from the roots; the Hugging Face cache never takes its place', () => {
    const withGone = createWorkspaceFiles([join(base, 'gone'), workspace], { hfCache });
    expect(withGone.roots).toHaveLength(1);
    expect(withGone.list((name) => name.endsWith('.json')).filter((p) => p.includes(join('hf', 'hub')))).toEqual([]);
  });

  it('does not read relative to a script that is not a file (untitled documents) except from the roots', () => {
    expect(files.read('configs/ds_config.json', 'untitled:Untitled-1')).toMatchObject({ ok: true });
    expect(files.read('../outside/secret.json', 'untitled:Untitled-1').ok).toBe(false);
  });
});
