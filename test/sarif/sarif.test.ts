/**
 * `trainlens check --format sarif` against the SARIF 2.1.0 schema of the OASIS Standard (vendored
 * in schema/, see PROVENANCE.md; draft-04, validated offline with Ajv), and against the JSON
 * report of the same files: every finding is a result at the same place, with the same message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTree, runCli } from '../cli/helpers';

const schema = JSON.parse(readFileSync(join(__dirname, 'schema', 'sarif-schema-2.1.0.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function errorsOf(log: unknown): string {
  return validate(log) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

interface JsonFinding { code: string; severity: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }

let root: string;
let sarif: any;
let json: { results: { file: string; findings: JsonFinding[] }[] };

beforeAll(() => {
  root = makeTree({
    'train/llama.py': '@example:llama2-7b-full-finetune.py',
    'train/opt lora.py': '@example:opt-6.7b-lora.py',
    'train/gpt2.py': '@example:gpt2-small-from-scratch.py',
    'train/bad_directive.py': '# trainlens: gpu=NOT-A-GPU\nx = 1\n',
    'configs/ds_config.json': '{"train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 2}}\n',
    // findings from the DeepSpeed and accelerate config analyses too: a duplicate key, fp16 and bf16 both on, an unknown key
    'configs/ds_broken.json': '{\n  "train_micro_batch_size_per_gpu": 4,\n  "train_micro_batch_size_per_gpu": 8,\n  "fp16": {"enabled": true},\n  "bf16": {"enabled": true}\n}\n',
    'configs/accelerate.yaml': 'compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 2\nnot_an_accelerate_key: 1\n',
    'utils/io.py': 'def load(path):\n    return open(path).read()\n',
  });
  const run = runCli(['check', '.', '--gpu', 'V100-32GB', '--format', 'sarif'], root);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(1); // the Llama-2-7B full fine-tune does not fit
  sarif = JSON.parse(run.stdout);
  json = JSON.parse(runCli(['check', '.', '--gpu', 'V100-32GB', '--format', 'json'], root).stdout);
}, 120_000);

describe('trainlens check --format sarif', () => {
  it('is valid SARIF 2.1.0', () => {
    expect(errorsOf(sarif)).toBe('');
    expect(sarif).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'TrainLens' } }, columnKind: 'utf16CodeUnits' }] });
  });

  it('the validator rejects what the schema forbids (so a pass means something)', () => {
    const broken = structuredClone(sarif);
    broken.runs[0].results[0].level = 'fatal';
    expect(errorsOf(broken)).toMatch(/level/);
    expect(errorsOf({ ...sarif, version: '2.0.0' })).not.toBe('');
    expect(errorsOf({ version: '2.1.0', runs: [{ tool: {} }] })).toMatch(/driver/);
  });

  it('has one result per finding of the JSON report, at the same place with the same message', () => {
    const expected = json.results.flatMap((report) => report.findings.map((f) => ({
      uri: decodeURIComponent(report.file.slice(`file://${root}/`.length)),
      ruleId: f.code,
      level: { error: 'error', warning: 'warning', information: 'note', hint: 'note' }[f.severity],
      text: f.message,
      region: { startLine: f.range.start.line + 1, startColumn: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 },
    })));
    const actual = sarif.runs[0].results.map((r: any) => ({
      uri: decodeURIComponent(r.locations[0].physicalLocation.artifactLocation.uri),
      ruleId: r.ruleId,
      level: r.level,
      text: r.message.text,
      region: r.locations[0].physicalLocation.region,
    }));
    expect(actual).toEqual(expected);
    expect(actual.map((r: { ruleId: string; uri: string }) => `${r.ruleId} ${r.uri}`)).toEqual(
      expect.arrayContaining(['TL001 train/llama.py', 'TL005 train/llama.py', 'TL004 train/bad_directive.py', 'DS003 configs/ds_broken.json', 'DS008 configs/ds_broken.json', 'AC002 configs/accelerate.yaml']),
    );
  });

  it('locates files relative to the checked folder and names each rule once, with its index', () => {
    const run = sarif.runs[0];
    expect(run.originalUriBaseIds.SRCROOT.uri).toBe(`file://${root}/`);
    const rules: { id: string }[] = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual([...new Set(rules.map((r) => r.id))].sort());
    for (const result of run.results) {
      expect(rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('SRCROOT');
    }
    const oom = run.results.find((r: any) => r.ruleId === 'TL001');
    expect(oom.properties).toMatchObject({ gpu: 'V100-32GB', gpus: 1, fit: 'oom', capacity_bytes: 32 * 2 ** 30 });
    expect(oom.properties.total_bytes).toBeGreaterThan(32 * 2 ** 30);
    expect(run.invocations).toEqual([{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });

  it('stays valid when a path names nothing: the failure is a notification and the exit code is 2', () => {
    const run = runCli(['check', 'train/llama.py', 'missing.py', '--format', 'sarif'], root);
    expect(run.status).toBe(2);
    const log = JSON.parse(run.stdout);
    expect(errorsOf(log)).toBe('');
    expect(log.runs[0].invocations[0]).toEqual({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: 'missing.py: no such file or folder' } }],
    });
    expect(log.runs[0].results.length).toBeGreaterThan(0);
  });
});
