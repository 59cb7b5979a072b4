/** Which files `trainlens check PATH...` and the workspace view analyse: folders, globs, .trainlensignore, limits. */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../../server/src/workspace/discover';
import { makeTree } from './helpers';

const DS_CONFIG = '{\n  "train_micro_batch_size_per_gpu": 4,\n  "zero_optimization": {"stage": 2}\n}\n';

function found(root: string, inputs: string[], options: { maxFiles?: number; maxEntries?: number; shellScripts?: boolean } = {}) {
  const result = discoverFiles(inputs, { cwd: root, ...options });
  return { files: result.files.map((f) => relative(root, f)), problems: result.problems };
}

describe('discoverFiles', () => {
  it('walks a folder for Python files and DeepSpeed configs, skipping virtual environments and caches', () => {
    const root = makeTree({
      'train.py': 'x = 1\n',
      'configs/ds_zero2.json': DS_CONFIG,
      'configs/labels.json': '{"cat": 0, "dog": 1}\n',
      'notes.md': '# notes\n',
      '.venv/lib/site.py': 'x = 1\n',
      'node_modules/pkg/setup.py': 'x = 1\n',
      'src/__pycache__/m.py': 'x = 1\n',
      '.github/scripts/release.py': 'x = 1\n',
      'src/models/llama.py': 'x = 1\n',
    });
    expect(found(root, ['.'])).toEqual({ files: ['configs/ds_zero2.json', 'src/models/llama.py', 'train.py'], problems: [] });
  });

  it('takes the YAML configs the analyzer reads (accelerate, axolotl, LLaMA-Factory) and no other YAML', () => {
    const root = makeTree({
      'accelerate/fsdp.yaml': 'compute_environment: LOCAL_MACHINE\ndistributed_type: FSDP\nnum_processes: 8\n',
      'axolotl/lora.yml': 'base_model: meta-llama/Llama-2-7b-hf\nadapter: lora\nmicro_batch_size: 2\n',
      'llamafactory/sft.yaml': 'model_name_or_path: meta-llama/Llama-2-7b-hf\nstage: sft\nfinetuning_type: lora\n',
      '.github/workflows/ci.yml': 'on: [push]\njobs: {}\n',
      'docker-compose.yaml': 'services:\n  app:\n    image: python\n',
    });
    expect(found(root, ['.']).files).toEqual(['accelerate/fsdp.yaml', 'axolotl/lora.yml', 'llamafactory/sft.yaml']);
  });

  it('takes shell scripts only when asked (trainlens check), through folders, globs and .trainlensignore alike', () => {
    const root = makeTree({
      'train.py': 'x = 1\n',
      'scripts/finetune.sh': 'tune run lora_finetune_single_device --config llama3_1/8B_lora_single_device\n',
      'scripts/setup.bash': 'pip install -r requirements.txt\n',
      'scripts/old/run.sh': 'echo old\n',
      'scripts/.trainlensignore': 'old/\n',
      'Makefile': 'all:\n',
    });
    expect(found(root, ['.']).files).toEqual(['train.py']);
    expect(found(root, ['.'], { shellScripts: true }).files).toEqual(['scripts/finetune.sh', 'scripts/setup.bash', 'train.py']);
    expect(found(root, ['scripts/*.sh'], { shellScripts: true })).toEqual({ files: ['scripts/finetune.sh'], problems: [] });
    expect(found(root, ['scripts/*.sh']).problems).toEqual(['scripts/*.sh: no training script or config matches']);
  });

  it('counts shell scripts apart from the scripts and configs: many shell scripts do not crowd those out of the limit', () => {
    const tree: Record<string, string> = { 'z/train.py': 'x = 1\n', 'z/eval.py': 'x = 1\n' };
    for (let i = 0; i < 5; i++) tree[`a/run${i}.sh`] = 'echo run\n';
    const result = found(makeTree(tree), ['.'], { maxFiles: 3, shellScripts: true });
    expect(result.files.filter((f) => f.endsWith('.py'))).toEqual(['z/eval.py', 'z/train.py']);
    expect(result.files.filter((f) => f.endsWith('.sh'))).toHaveLength(3);
    expect(result.problems).toEqual(['took the first 3 shell scripts only; narrow the paths or add a .trainlensignore']);
  });

  it('applies .trainlensignore files with gitignore semantics, the deeper file deciding', () => {
    const root = makeTree({
      '.trainlensignore': '# generated and vendored code\nthird_party/\n*_test.py\nexperiments/*\n!experiments/keep/\n',
      'train.py': 'x = 1\n',
      'train_test.py': 'x = 1\n',
      'third_party/lib/train.py': 'x = 1\n',
      'experiments/old/a.py': 'x = 1\n',
      'experiments/keep/b.py': 'x = 1\n',
      'pkg/.trainlensignore': '!special_test.py\nscratch.py\n',
      'pkg/special_test.py': 'x = 1\n',
      'pkg/scratch.py': 'x = 1\n',
      'pkg/model.py': 'x = 1\n',
    });
    expect(found(root, ['.']).files).toEqual(['experiments/keep/b.py', 'pkg/model.py', 'pkg/special_test.py', 'train.py']);
    // Walking a subfolder still honours the ignore files between the working directory and it.
    expect(found(root, ['pkg']).files).toEqual(['pkg/model.py', 'pkg/special_test.py']);
  });

  it('expands quoted globs from their base folder and reports globs and paths that name nothing', () => {
    const root = makeTree({ 'a/x.py': 'x = 1\n', 'a/b/y.py': 'x = 1\n', 'a/b/z.txt': 'z\n', 'c/w.py': 'x = 1\n' });
    expect(found(root, ['a/**/*.py']).files).toEqual(['a/b/y.py', 'a/x.py']);
    expect(found(root, ['a/*.py', 'c']).files).toEqual(['a/x.py', 'c/w.py']);
    const missing = found(root, ['nope.py', 'zz/**/*.py', 'a/x.py']);
    expect(missing.files).toEqual(['a/x.py']);
    expect(missing.problems).toEqual(['nope.py: no such file or folder', 'zz/**/*.py: no training script or config matches']);
  });

  it('walks a hidden folder that is named, though it skips hidden folders inside a walk', () => {
    const root = makeTree({ '.jobs/train.py': 'x = 1\n', '.jobs/.old/train.py': 'x = 1\n' });
    expect(found(root, ['.jobs']).files).toEqual(['.jobs/train.py']);
  });

  it('takes a named file whatever its kind, once', () => {
    const root = makeTree({ 'notes.md': '# x\n', 'train.py': 'x = 1\n' });
    expect(found(root, ['notes.md', 'train.py', '.', './train.py']).files).toEqual(['notes.md', 'train.py']);
  });

  it('does not follow symlinked folders (no cycles) and stops at its limits, saying so', () => {
    const root = makeTree({ 'a/x.py': 'x = 1\n', 'b/y.py': 'x = 1\n', 'b/z.py': 'x = 1\n' });
    symlinkSync(root, join(root, 'a', 'loop'));
    expect(found(root, ['.']).files).toEqual(['a/x.py', 'b/y.py', 'b/z.py']);
    const limited = found(root, ['.'], { maxFiles: 2 });
    expect(limited.files).toHaveLength(2);
    expect(limited.problems[0]).toMatch(/^stopped after 2 files; narrow the paths or add a \.trainlensignore/);
    mkdirSync(join(root, 'c'));
    expect(found(root, ['.'], { maxEntries: 3 }).problems[0]).toMatch(/^stopped after looking at 3 folder entries/);
  });
});
