/**
 * findLaunch skips the shell scripts it read before and found not to name the script, while their size and
 * modification time stay the same (launch/discover.ts): a launcher edited to name it, even to the same size, is
 * read again; one replaced by a symlink out of the workspace is refused as before; two scripts of one workspace
 * each find their own launcher.
 */
import { mkdtempSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findLaunch } from '../../server/src/launch/discover';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-launchers-'));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  return root;
}

const scriptOf = (root: string, name: string) => pathToFileURL(join(root, name)).href;

describe('launch discovery over unchanged shell scripts', () => {
  it('reads a launcher again once it changes, also to the same size', () => {
    const root = workspace({ 'train.py': '', 'other.py': '', 'run.sh': 'torchrun --nproc_per_node 4 other.py\n' });
    const files = createWorkspaceFiles([root]);
    expect(findLaunch(scriptOf(root, 'train.py'), files)).toBeUndefined();
    expect(findLaunch(scriptOf(root, 'train.py'), files)).toBeUndefined();
    // same length as before, a later modification time
    writeFileSync(join(root, 'run.sh'), 'torchrun --nproc_per_node 4 train.py\n');
    utimesSync(join(root, 'run.sh'), new Date(), new Date(Date.now() + 5000));
    expect(findLaunch(scriptOf(root, 'train.py'), files)?.command.gpusPerNode).toBe(4);
    writeFileSync(join(root, 'run.sh'), 'echo nothing\n');
    expect(findLaunch(scriptOf(root, 'train.py'), files)).toBeUndefined();
    writeFileSync(join(root, 'run.sh'), 'deepspeed --num_gpus 8 train.py\n');
    expect(findLaunch(scriptOf(root, 'train.py'), files)?.command.gpusPerNode).toBe(8);
  });

  it('finds each script its own launcher among launchers read before', () => {
    const root = workspace({ 'a.py': '', 'b.py': '', 'a.sh': 'torchrun --nproc_per_node 2 a.py\n', 'b.sh': 'torchrun --nproc_per_node 3 b.py\n' });
    const files = createWorkspaceFiles([root]);
    for (let i = 0; i < 2; i++) {
      expect(findLaunch(scriptOf(root, 'a.py'), files)?.command.gpusPerNode).toBe(2);
      expect(findLaunch(scriptOf(root, 'b.py'), files)?.command.gpusPerNode).toBe(3);
    }
  });

  it('a launcher replaced by a symlink out of the workspace is refused, not remembered as readable', () => {
    const outside = workspace({ 'evil.sh': 'torchrun --nproc_per_node 7 train.py\n' });
    const root = workspace({ 'train.py': '', 'run.sh': 'torchrun --nproc_per_node 4 other.py\n' });
    const files = createWorkspaceFiles([root]);
    expect(findLaunch(scriptOf(root, 'train.py'), files)).toBeUndefined();
    symlinkSync(join(outside, 'evil.sh'), join(root, 'link.sh'));
    renameSync(join(root, 'link.sh'), join(root, 'run.sh'));
    expect(findLaunch(scriptOf(root, 'train.py'), files)).toBeUndefined();
    expect(files.read(join(root, 'run.sh'), scriptOf(root, 'train.py'))).toMatchObject({ ok: false, reason: expect.stringMatching(/outside the workspace/) });
  });
});
