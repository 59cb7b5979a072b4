/**
 * `tune run <recipe> --config <built-in name>`: a config that ships inside the torchtune package, outside
 * the workspace. TrainLens says what it cannot open and how to make it readable (`tune cp`), never guesses:
 * TL008 on the launch line of a shell script, a sentence on a config whose launch command runs a built-in one.
 * Real analyzer and the bundled CLI, workspaces on disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';
import { runCli } from '../cli/helpers';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const LORA_CONFIG = readFileSync(join(__dirname, '../fixtures/scripts/u1-torchtune-lora-launcher/configs/llama3_8B_lora.yaml'), 'utf8');

describe('tune run with a config TrainLens cannot open', () => {
  it('a built-in config in a shell script: TL008 on the name, saying what to copy and where to point --config', () => {
    const root = writeWorkspace({
      'finetune.sh': '#!/usr/bin/env bash\nset -e\ntune run --nproc_per_node 4 lora_finetune_distributed \\\n    --config llama3_1/8B_lora \\\n    batch_size=4\n',
    });
    const a = analyzeFile(analyzer, root, 'finetune.sh');
    expect(a.job).toBeNull();
    expect(a.findings).toHaveLength(1);
    const [f] = a.findings;
    expect(f).toMatchObject({ code: 'TL008', severity: 'information', range: { start: { line: 3, character: 13 }, end: { line: 3, character: 29 } } });
    expect(f.message).toBe('`llama3_1/8B_lora` is a config that ships inside the torchtune package, outside the workspace: TrainLens does not open it ' +
      'and does not guess its values. To estimate this run, copy it into the workspace with `tune cp llama3_1/8B_lora ./8B_lora.yaml` ' +
      'and point --config at the copy: `tune run lora_finetune_distributed --config ./8B_lora.yaml`');
  });

  it('two built-in configs in one script are copied to two files, each named after its config', () => {
    const root = writeWorkspace({
      'sweep.sh': 'tune run lora_finetune_single_device --config llama3_1/8B_lora_single_device\ntune run full_finetune_single_device --config llama3_2/1B_full_single_device\n',
    });
    const messages = analyzeFile(analyzer, root, 'sweep.sh').findings.map((f) => f.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('`tune cp llama3_1/8B_lora_single_device ./8B_lora_single_device.yaml`');
    expect(messages[1]).toContain('`tune cp llama3_2/1B_full_single_device ./1B_full_single_device.yaml`');
  });

  it('a config file of the workspace: nothing to say; a missing one: its reason', () => {
    const root = writeWorkspace({
      'configs/lora.yaml': LORA_CONFIG,
      'run.sh': 'tune run lora_finetune_single_device --config configs/lora.yaml\ntune run lora_finetune_single_device --config configs/gone.yaml\n',
    });
    const findings = analyzeFile(analyzer, root, 'run.sh').findings;
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'TL008', range: { start: { line: 1 } } });
    expect(findings[0].message).toMatch(/configs\/gone\.yaml.*: TrainLens cannot read the config of `tune run lora_finetune_single_device`$/);
  });

  it('other shell lines (torchrun, echo of a tune command) give no finding and no crash', () => {
    const root = writeWorkspace({ 'run.sh': 'torchrun --nproc_per_node 2 train.py\necho "tune run full_finetune_single_device --config llama2/7B_full"\n' });
    expect(analyzeFile(analyzer, root, 'run.sh').findings).toEqual([]);
  });

  it('a workspace config analysed with a launch command that runs a built-in config: said, its overrides and GPUs not applied', () => {
    const root = writeWorkspace({ 'configs/lora.yaml': LORA_CONFIG });
    const a = analyzeFile(analyzer, root, 'configs/lora.yaml', { command: 'tune run --nproc_per_node 8 lora_finetune_distributed --config llama3/8B_lora batch_size=64' });
    expect(a.job).not.toBeNull();
    expect(a.job!.micro_batch).not.toBe(64);
    expect(a.job!.gpus).toBe(1);
    expect(a.assumptions).toContain('the launch command does not run this file: `llama3/8B_lora` is a config that ships inside the torchtune package, outside the workspace: ' +
      'TrainLens does not open it and does not guess its values. To estimate this run, copy it into the workspace with `tune cp llama3/8B_lora ./8B_lora.yaml` ' +
      'and point --config at the copy: `tune run lora_finetune_distributed --config ./8B_lora.yaml`');
  });

  it('trainlens explain finetune.sh prints it (bundled CLI)', () => {
    const root = writeWorkspace({ 'finetune.sh': 'tune run lora_finetune_single_device --config llama3_1/8B_lora_single_device\n' });
    const run = runCli(['explain', 'finetune.sh'], root);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('tune cp llama3_1/8B_lora_single_device ./8B_lora_single_device.yaml');
  });
});
