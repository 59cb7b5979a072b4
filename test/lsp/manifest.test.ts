/** package.json's `contributes` agrees with the server's settings and the GPU catalog. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GPUS } from '../../estimator/src/catalog';
import { DEFAULT_SETTINGS, parseSettings, SETTINGS_SECTION, toAnalysisSettings } from '../../server/src/lsp/settings';

interface Property { default: unknown; enum?: string[]; enumDescriptions?: string[] }
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const properties: Record<string, Property> = manifest.contributes.configuration.properties;

describe('package.json contributes', () => {
  it('declares every setting the server reads, with the same defaults', () => {
    const declared = Object.keys(properties).filter((key) => key !== `${SETTINGS_SECTION}.trace.server`);
    expect(declared.sort()).toEqual(Object.keys(DEFAULT_SETTINGS).map((key) => `${SETTINGS_SECTION}.${key}`).sort());
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
      expect(properties[`${SETTINGS_SECTION}.${key}`].default, key).toEqual(value);
    }
  });

  it('offers exactly the catalog GPUs, each described with its memory', () => {
    const gpu = properties['trainlens.gpu'];
    expect(gpu.enum).toEqual(GPUS.map((g) => g.id));
    GPUS.forEach((g, i) => expect(gpu.enumDescriptions?.[i]).toContain(`${g.memory_bytes / 2 ** 30} GB`));
  });

  it('activates on Python, JSON (DeepSpeed configs) and YAML (accelerate and trainer configs) and contributes the restart command', () => {
    expect(manifest.activationEvents).toEqual(['onLanguage:python', 'onLanguage:json', 'onLanguage:yaml']);
    expect(manifest.contributes.commands.map((c: { command: string }) => c.command)).toContain('trainlens.restartServer');
  });
});

describe('parseSettings', () => {
  it('keeps good values and replaces bad ones by defaults, saying so', () => {
    const warnings: string[] = [];
    expect(parseSettings({ gpu: ' H200 ', gpuCount: 8, maxFileSize: 4096 }, (m) => warnings.push(m)))
      .toEqual({ ...DEFAULT_SETTINGS, gpu: 'H200', gpuCount: 8, maxFileSize: 4096 });
    expect(parseSettings({ gpu: 42, gpuCount: 0.5, maxFileSize: 10 }, (m) => warnings.push(m))).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings(null, (m) => warnings.push(m))).toEqual(DEFAULT_SETTINGS);
    expect(warnings).toHaveLength(3);
  });

  it('passes trainlens.assume on when every entry is a valid job value, and refuses it otherwise', () => {
    const good = parseSettings({ assume: { seq_len: 4096, grad_checkpointing: true } }, () => {});
    expect(toAnalysisSettings(good).assume).toEqual({ seq_len: '4096', grad_checkpointing: 'true' });
    const warnings: string[] = [];
    expect(parseSettings({ assume: { seq_len: 'long' } }, (m) => warnings.push(m)).assume).toEqual({});
    expect(warnings[0]).toContain('trainlens.assume');
  });

  it('gives each script its launch command from trainlens.launchCommands', () => {
    const settings = parseSettings({ launchCommands: { 'scripts/train.py': 'torchrun --nproc_per_node 8 scripts/train.py' } }, () => {});
    expect(toAnalysisSettings(settings, 'file:///ws/scripts/train.py').command).toBe('torchrun --nproc_per_node 8 scripts/train.py');
    expect(toAnalysisSettings(settings, 'file:///ws/other.py').command).toBeUndefined();
    const warnings: string[] = [];
    expect(parseSettings({ launchCommands: ['x'] }, (m) => warnings.push(m)).launchCommands).toEqual({});
    expect(warnings).toHaveLength(1);
  });
});
