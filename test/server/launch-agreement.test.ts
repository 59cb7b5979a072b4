/**
 * A script launched by several shell scripts, none picked (launch/agreement.ts): a value every launch gives
 * stays known, naming the launchers; one they disagree on (directly, or through the GPU count) is assumed;
 * a value of the script's own that another launcher overrides is assumed too; a `# trainlens: launcher=`
 * comment picks one launcher, whose values are known. Real files in a temp workspace, analysed as the editor does.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { Analysis } from '../../server/src/analysis/types';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

const CASE_32 = resolve(__dirname, '../fixtures/scripts/32-two-launchers-ambiguous');
const PICK = 'one of 2 launchers; pick one with "# trainlens: launcher=<file>"';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

/** Case 32 copied into a fresh workspace, with `extra` files added or replaced. */
function workspace(extra: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-agreement-'));
  cpSync(CASE_32, root, { recursive: true });
  for (const [path, text] of Object.entries(extra)) writeFileSync(join(root, path), text);
  return root;
}

function analyse(root: string, script = 'sft.py', text = readFileSync(join(root, script), 'utf8')): Analysis {
  const files = createWorkspaceFiles([root], { hfCache: join(root, '.no-hf-cache') });
  return analyzer.analyze({ uri: pathToFileURL(join(root, script)).href, text, version: 1 }, { gpu: 'A100-80GB', gpus: 1 }, files);
}

const launcher = (lines: string[]) => `#!/bin/bash\n${lines.join(' \\\n  ')}\n`;

describe('values across several launchers', () => {
  it('keeps what both launchers give known, naming them, with the chosen launcher as source; the rest assumed', () => {
    const root = workspace();
    const { values, job } = analyse(root);
    for (const field of ['seq_len', 'precision', 'amp_style', 'optimizer'] as const) {
      expect(values[field]?.status, field).toBe('known');
      expect(values[field]?.reason, field).toMatch(/ — the same in all 2 launchers: launch\/a100x8\.sh, launch\/l4x2\.sh$/);
      expect(values[field]?.source?.file, field).toBe(pathToFileURL(join(root, 'launch/a100x8.sh')).href);
      expect(values[field]?.source?.range.start.line, field).toBe(1);
    }
    expect(job).toMatchObject({ seq_len: 2048, precision: 'bf16-mixed', amp_style: 'autocast', optimizer: 'lion_8bit' });
    expect(values.micro_batch).toMatchObject({ value: 8, status: 'assumed' });
    expect(values.grad_accum).toMatchObject({ value: 2, status: 'assumed' });
    expect(values.gpus).toMatchObject({ value: 8, status: 'assumed' });
    for (const field of ['micro_batch', 'grad_accum', 'gpus'] as const) expect(values[field]?.reason, field).toContain(PICK);
  });

  it('a third launcher that disagrees on one agreed value makes it assumed again, and the others stay known', () => {
    const root = workspace({
      'launch/h100x4.sh': launcher(['torchrun --nproc_per_node 4 sft.py', '--per_device_train_batch_size 4', '--gradient_accumulation_steps 4', '--max_length 4096', '--optim lion_8bit', '--bf16']),
    });
    const { values } = analyse(root);
    expect(values.seq_len).toMatchObject({ value: 2048, status: 'assumed' });
    expect(values.seq_len?.reason).toContain('one of 3 launchers; pick one with');
    expect(values.optimizer?.status).toBe('known');
    expect(values.optimizer?.reason).toMatch(/the same in all 3 launchers: launch\/a100x8\.sh, launch\/h100x4\.sh, launch\/l4x2\.sh$/);
  });

  it('the same value in another launch as a library default only does not make it known', () => {
    // --max_length 1024 on one launcher; TRL's own default max_length=1024 (assumed) under the other
    const root = workspace({
      'launch/a100x8.sh': launcher(['torchrun --nproc_per_node 8 sft.py', '--max_length 1024', '--optim lion_8bit', '--bf16']),
      'launch/l4x2.sh': launcher(['torchrun --nproc_per_node 2 sft.py', '--optim lion_8bit', '--bf16']),
    });
    const { values } = analyse(root);
    expect(values.seq_len).toMatchObject({ value: 1024, status: 'assumed' });
    expect(values.seq_len?.reason).toContain(PICK);
    expect(values.precision?.status).toBe('known');
  });

  it('a value of the script itself that another launcher overrides is assumed, saying what that launcher gives', () => {
    const root = workspace({ 'launch/l4x2.sh': launcher(['torchrun --nproc_per_node 2 sft.py', '--max_length 2048', '--optim lion_8bit', '--bf16', '--lora_r 8']) });
    const { values, job } = analyse(root);
    expect(job?.peft).toMatchObject({ method: 'lora', r: 32 });
    expect(values.peft?.status).toBe('assumed');
    expect(values.peft?.reason).toMatch(/under launch\/l4x2\.sh line 2 it is \{[^}]*"r":8/);
    expect(values.model?.status).toBe('known');
  });

  it('the same precision applied another way (DeepSpeed master weights) keeps the precision known, its style assumed', () => {
    const root = workspace({
      'ds.json': JSON.stringify({ bf16: { enabled: 'auto' }, zero_optimization: { stage: 2 }, train_micro_batch_size_per_gpu: 'auto' }),
      'launch/a100x8.sh': launcher(['torchrun --nproc_per_node 8 sft.py', '--max_length 2048', '--optim lion_8bit', '--bf16', '--deepspeed ds.json']),
    });
    const { values, job } = analyse(root);
    expect(job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'master_weights' });
    expect(values.precision?.status).toBe('known');
    expect(values.amp_style).toMatchObject({ value: 'master_weights', status: 'assumed' });
    expect(values.amp_style?.reason).toContain(PICK);
    expect(values.zero?.status).toBe('assumed');
    expect(values.zero?.reason).toContain('under launch/l4x2.sh line 2 it is not set');
    expect(values.seq_len?.status).toBe('known');
  });

  it('a value derived from the GPU count (WORLD_SIZE) stays assumed where the launchers run different counts', () => {
    const root = mkdtempSync(join(tmpdir(), 'trainlens-agreement-'));
    writeFileSync(join(root, 'train.py'), [
      'import os',
      'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
      'world = int(os.environ.get("WORLD_SIZE", "1"))',
      'model = AutoModelForCausalLM.from_pretrained("meta-llama/Meta-Llama-3-8B")',
      'args = TrainingArguments(output_dir="out", per_device_train_batch_size=4, gradient_accumulation_steps=64 // (4 * world), bf16=True)',
      'Trainer(model=model, args=args).train()',
      '',
    ].join('\n'));
    writeFileSync(join(root, 'a.sh'), 'torchrun --nproc_per_node 8 train.py\n');
    writeFileSync(join(root, 'b.sh'), 'torchrun --nproc_per_node 2 train.py\n');
    const { values } = analyse(root, 'train.py');
    expect(values.grad_accum).toMatchObject({ value: 2, status: 'assumed' });
    expect(values.grad_accum?.reason).toContain('under b.sh line 1 it is 8');
    expect(values.gpus).toMatchObject({ value: 8, status: 'assumed' });
    expect(values.micro_batch).toMatchObject({ value: 4, status: 'known' });
  });

  it('two launch lines in one file are named by their lines', () => {
    const root = mkdtempSync(join(tmpdir(), 'trainlens-agreement-'));
    cpSync(join(CASE_32, 'sft.py'), join(root, 'sft.py'));
    const line = (gpus: number) => `torchrun --nproc_per_node ${gpus} sft.py --max_length 2048 --optim lion_8bit --bf16`;
    writeFileSync(join(root, 'run.sh'), `#!/bin/bash\n${line(8)}\n${line(2)}\n`);
    const { values } = analyse(root);
    expect(values.optimizer?.reason).toMatch(/the same in all 2 launchers: run\.sh line 2, run\.sh line 3$/);
    expect(values.gpus).toMatchObject({ value: 8, status: 'assumed' });
  });

  it('a "# trainlens: launcher=" comment picks one launcher: its values are known, with no other launcher named', () => {
    const root = workspace();
    const text = `# trainlens: launcher=launch/l4x2.sh\n${readFileSync(join(root, 'sft.py'), 'utf8')}`;
    const { values, assumptions } = analyse(root, 'sft.py', text);
    expect(values.micro_batch).toMatchObject({ value: 1, status: 'known' });
    expect(values.grad_accum).toMatchObject({ value: 16, status: 'known' });
    expect(values.gpus).toMatchObject({ value: 2, status: 'known' });
    expect(values.seq_len).toMatchObject({ value: 2048, status: 'known' });
    for (const info of Object.values(values)) expect(info?.reason ?? '').not.toMatch(/launchers/);
    expect(assumptions.join('\n')).not.toMatch(/also by/);
  });

  it('a "# trainlens: launcher=" comment naming a missing file, or one that does not run the script, says so', () => {
    const root = workspace({ 'other.sh': 'python eval.py --batch 4\n' });
    const body = readFileSync(join(root, 'sft.py'), 'utf8');
    const missing = analyse(root, 'sft.py', `# trainlens: launcher=launch/gone.sh\n${body}`).assumptions.join('\n');
    expect(missing).toMatch(/^# trainlens: launcher=launch\/gone\.sh: .+; read without a launcher$/m);
    const unrelated = analyse(root, 'sft.py', `# trainlens: launcher=other.sh\n${body}`);
    expect(unrelated.assumptions).toContain('# trainlens: launcher=other.sh: no line of it runs sft.py; read without a launcher');
    for (const info of Object.values(unrelated.values)) expect(info?.source?.file ?? '').not.toMatch(/\.sh$/);
  });
});

