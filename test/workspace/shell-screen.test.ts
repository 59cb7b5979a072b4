/** The workspace view's screen of shell scripts: one without `tune` is read once per size and modification time. */
import { appendFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../server/src/workspace/files';
import { readIfTuneRun } from '../../server/src/workspace/shell-screen';

const dir = mkdtempSync(join(tmpdir(), 'trainlens-shell-screen-'));

/** A reader of `path` that counts its reads. */
function counted(path: string): { read: () => ReadResult; reads: () => number } {
  let n = 0;
  return {
    read: () => {
      n++;
      return { ok: true, path, uri: `file://${path}`, text: readFileSync(path, 'utf8') };
    },
    reads: () => n,
  };
}

describe('readIfTuneRun', () => {
  it('passes over a script without `tune` unread while its size and modification time stay', () => {
    const path = join(dir, 'prep.sh');
    writeFileSync(path, '#!/bin/bash\n# finetune the tokenizer first\npython prep.py\n');
    const reader = counted(path);
    expect(readIfTuneRun(path, reader.read)).toBeUndefined();
    expect(readIfTuneRun(path, reader.read)).toBeUndefined();
    expect(reader.reads()).toBe(1);

    appendFileSync(path, 'tune run full_finetune_single_device --config llama2/7B_full\n');
    expect(readIfTuneRun(path, reader.read)).toMatchObject({ ok: true, text: expect.stringContaining('tune run') });
    expect(reader.reads()).toBe(2);
  });

  it('reads again an edit of the same size, told by its modification time', () => {
    const path = join(dir, 'same-size.sh');
    writeFileSync(path, 'echo a\n');
    utimesSync(path, 1_000, 1_000);
    const reader = counted(path);
    expect(readIfTuneRun(path, reader.read)).toBeUndefined();
    writeFileSync(path, 'tune x\n');
    utimesSync(path, 2_000, 2_000);
    expect(readIfTuneRun(path, reader.read)?.ok).toBe(true);
    expect(reader.reads()).toBe(2);
  });

  it('reads a script with `tune` every time (its findings depend on other files), and hands back a failed read', () => {
    const path = join(dir, 'run.sh');
    writeFileSync(path, 'TUNE=/opt/bin/tune\n$TUNE run lora_finetune_single_device --config configs/lora.yaml\n');
    const reader = counted(path);
    expect(readIfTuneRun(path, reader.read)?.ok).toBe(true);
    expect(readIfTuneRun(path, reader.read)?.ok).toBe(true);
    expect(reader.reads()).toBe(2);
    expect(readIfTuneRun(join(dir, 'missing.sh'), () => ({ ok: false, reason: 'missing.sh not found' }))).toEqual({ ok: false, reason: 'missing.sh not found' });
  });
});
