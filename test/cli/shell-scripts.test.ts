/**
 * `trainlens check` over shell scripts, as CI runs it (bundled CLI): a `tune run` of a torchtune built-in
 * config is reported as TL008 in text, JSON and SARIF (validated against the vendored SARIF 2.1.0 schema),
 * a shell script without findings is not listed, and the exit codes are the documented ones.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { makeTree, runCli } from './helpers';

const FINETUNE = '#!/usr/bin/env bash\nset -e\ntune run --nproc_per_node 2 lora_finetune_distributed \\\n    --config llama3_1/8B_lora \\\n    batch_size=4\n';
const SETUP = '#!/usr/bin/env bash\npip install -r requirements.txt\npython train/gpt2.py\n';
/** Where the config's name is written in FINETUNE (1-based, as the text output and SARIF give it). */
const LINE = 4;
const COLUMN = FINETUNE.split('\n')[LINE - 1].indexOf('llama3_1/8B_lora') + 1;

const root = makeTree({
  'train/gpt2.py': '@example:gpt2-small-from-scratch.py',
  'scripts/finetune.sh': FINETUNE,
  'scripts/setup.sh': SETUP,
});

const schema = JSON.parse(readFileSync(join(__dirname, '..', 'sarif', 'schema', 'sarif-schema-2.1.0.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

interface JsonReport { file: string; fit: string; job: unknown; findings: { code: string; severity: string; message: string; range: { start: { line: number; character: number } } }[] }

describe('trainlens check with shell scripts', () => {
  it('text: the shell script with a built-in config is reported with TL008, the one without findings is not mentioned', () => {
    const run = runCli(['check', '.'], root);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0); // TL008 is information: no job fails
    expect(run.stdout).toContain(`scripts/finetune.sh: shell script, 1 finding\n\nFindings:\n  ${LINE}:${COLUMN} information TL008: \`llama3_1/8B_lora\` is a config that ships inside the torchtune package`);
    expect(run.stdout).toContain('tune cp llama3_1/8B_lora ./8B_lora.yaml');
    expect(run.stdout).toContain('train/gpt2.py: fits');
    expect(run.stdout).not.toContain('setup.sh');
    expect(run.stdout).not.toContain('No training job found');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('Checked 2 files: 1 fitting, 1 shell script.');
  });

  it('--json: one report per file with findings or a job; the shell script has no job, fit unknown, and its TL008', () => {
    const run = runCli(['check', '.', '--json'], root);
    expect(run.status).toBe(0);
    const reports: JsonReport[] = JSON.parse(run.stdout).results;
    expect(reports.map((r) => [r.file.split('/').slice(-2).join('/'), r.fit])).toEqual([['scripts/finetune.sh', 'unknown'], ['train/gpt2.py', 'fits']]);
    const [shell] = reports;
    expect(shell.job).toBeNull();
    expect(shell.findings).toEqual([expect.objectContaining({ code: 'TL008', severity: 'information', range: expect.objectContaining({ start: { line: LINE - 1, character: COLUMN - 1 } }) })]);
  });

  it('SARIF: a valid log whose TL008 result is on the config name, with TL008 among the rules', () => {
    const run = runCli(['check', '.', '--format', 'sarif'], root);
    expect(run.status).toBe(0);
    const log = JSON.parse(run.stdout);
    expect(validate(log) ? '' : ajv.errorsText(validate.errors, { separator: '\n' })).toBe('');
    const [sarifRun] = log.runs;
    const rule = sarifRun.tool.driver.rules.find((r: { id: string }) => r.id === 'TL008');
    expect(rule).toMatchObject({ name: 'TorchtuneConfigUnreadable', shortDescription: { text: expect.stringContaining('tune cp') } });
    expect(sarifRun.results).toHaveLength(1);
    const [result] = sarifRun.results;
    expect(sarifRun.tool.driver.rules[result.ruleIndex].id).toBe('TL008');
    expect(result).toMatchObject({
      ruleId: 'TL008',
      level: 'note',
      message: { text: expect.stringContaining('tune cp llama3_1/8B_lora ./8B_lora.yaml') },
      properties: { fit: 'unknown', total_bytes: null },
    });
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'scripts/finetune.sh', uriBaseId: 'SRCROOT' },
      region: { startLine: LINE, startColumn: COLUMN, endLine: LINE, endColumn: COLUMN + 'llama3_1/8B_lora'.length },
    });
  });

  it('exit codes: 1 when a job beside the shell script does not fit, 2 for a named shell script that is missing', () => {
    const tree = makeTree({ 'llama.py': '@example:llama2-7b-full-finetune.py', 'finetune.sh': FINETUNE });
    const oom = runCli(['check', '.', '--gpu', 'V100-32GB'], tree);
    expect(oom.status).toBe(1);
    expect(oom.stdout).toContain('finetune.sh: shell script, 1 finding');
    expect(oom.stdout.trimEnd().split('\n').at(-1)).toBe('Checked 2 files: 1 out of memory, 1 shell script.');
    expect(runCli(['check', 'missing.sh'], tree)).toMatchObject({ status: 2, stderr: 'trainlens: missing.sh: no such file or folder\n' });
  });

  it('a shell script named on the command line or matched by a glob is read too; named without findings, it says so', () => {
    expect(runCli(['check', 'scripts/finetune.sh', '--json'], root)).toMatchObject({ status: 0, stdout: expect.stringContaining('"code": "TL008"') });
    expect(runCli(['check', 'scripts/*.sh'], root)).toMatchObject({ status: 0, stdout: expect.stringMatching(/^scripts\/finetune\.sh: shell script, 1 finding\n/) });
    expect(runCli(['check', 'scripts/setup.sh'], root)).toMatchObject({
      status: 0, stderr: '', stdout: 'scripts/setup.sh: shell script, no findings (its launch lines apply to the scripts and configs they run)\n',
    });
    // only shell scripts without findings in a folder: nothing TrainLens reports on
    expect(runCli(['check', '.'], makeTree({ 'setup.sh': SETUP }))).toMatchObject({ status: 0, stdout: 'No training scripts or configs found.\n' });
  });
});
