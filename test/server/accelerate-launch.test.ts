/** What `accelerate launch` and its config file add to a script's job, each value pointing at its key. */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { createWorkspaceFiles } from '../../server/src/workspace/files';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const SCRIPT = `from accelerate import Accelerator
from transformers import AutoModelForCausalLM
import torch
accelerator = Accelerator()
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
loader = torch.utils.data.DataLoader(ds, batch_size=2)
`;

describe('accelerate config applied to the script', () => {
  it('DeepSpeed block: gradient_accumulation_steps, zero stage and offload, bf16 as DeepSpeed master weights', () => {
    const root = writeWorkspace({
      'train.py': SCRIPT,
      'cfg/zero2.yaml': 'compute_environment: LOCAL_MACHINE\ndeepspeed_config:\n  gradient_accumulation_steps: 4\n  offload_optimizer_device: cpu\n  zero_stage: 2\ndistributed_type: DEEPSPEED\nmixed_precision: bf16\nnum_machines: 2\nnum_processes: 16\n',
      'run.sh': 'accelerate launch --config_file cfg/zero2.yaml train.py\n',
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job).toMatchObject({ gpus: 16, grad_accum: 4, precision: 'bf16-mixed', amp_style: 'master_weights', zero: { stage: 2, offload_optimizer: 'cpu', offload_param: 'none' } });
    const cfg = pathToFileURL(join(root, 'cfg/zero2.yaml')).href;
    expect(a.values.grad_accum).toMatchObject({ status: 'known', source: { file: cfg, range: { start: { line: 2, character: 2 } } } });
    expect(a.values.grad_accum!.reason).toContain('deepspeed_config.gradient_accumulation_steps: 4');
    expect(a.values.precision).toMatchObject({ status: 'known', source: { file: cfg, range: { start: { line: 6 } } } });
  });

  it('launch flags win over the file; zero_stage defaults to 2 under DeepSpeed', () => {
    const root = writeWorkspace({
      'train.py': SCRIPT,
      'ds.yaml': 'distributed_type: DEEPSPEED\ndeepspeed_config:\n  gradient_accumulation_steps: 4\nmixed_precision: fp16\nnum_processes: 2\n',
      'run.sh': 'accelerate launch --config_file ds.yaml --gradient_accumulation_steps 16 --num_processes 4 train.py\n',
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job).toMatchObject({ gpus: 4, grad_accum: 16, precision: 'fp16-mixed', grad_scaler: true, zero: { stage: 2 } });
    expect(a.values.zero!.reason).toContain('default zero_stage 2');
    expect(a.values.grad_accum!.reason).toContain('--gradient_accumulation_steps');
  });

  it('deepspeed_config_file: the JSON file decides, optimizer and loss-scale keys included', () => {
    const root = writeWorkspace({
      'train.py': SCRIPT,
      'acc.yaml': 'distributed_type: DEEPSPEED\ndeepspeed_config:\n  deepspeed_config_file: ds/z3.json\nnum_processes: 8\n',
      'ds/z3.json': '{"fp16": {"enabled": true, "initial_scale_power": 10}, "optimizer": {"type": "Lion"}, "gradient_accumulation_steps": 2, "zero_optimization": {"stage": 3, "offload_param": {"device": "cpu"}}}',
      'launch.sh': 'accelerate launch --config_file acc.yaml train.py\n',
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job).toMatchObject({ gpus: 8, grad_accum: 2, precision: 'fp16-mixed', amp_style: 'master_weights', optimizer: 'lion', zero: { stage: 3, offload_param: 'cpu' }, loss_scale: { initial_scale_power: 10 } });
    expect(a.values.zero!.reason).toContain('ds/z3.json');
  });

  it('a missing deepspeed_config_file is said, not guessed', () => {
    const root = writeWorkspace({
      'train.py': SCRIPT,
      'acc.yaml': 'distributed_type: DEEPSPEED\ndeepspeed_config:\n  deepspeed_config_file: /cluster/ds.json\nnum_processes: 8\n',
      'launch.sh': 'accelerate launch --config_file acc.yaml train.py\n',
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job!.zero).toBeUndefined();
    expect(a.assumptions.join('\n')).toContain('DeepSpeed config');
  });

  it('FSDP: fsdp_reshard_after_forward false, offload, activation checkpointing; mixed precision as a policy', () => {
    const root = writeWorkspace({
      'train.py': SCRIPT,
      'fsdp.yaml': 'distributed_type: FSDP\nfsdp_config:\n  fsdp_activation_checkpointing: true\n  fsdp_offload_params: true\n  fsdp_reshard_after_forward: false\n  fsdp_version: 2\nmixed_precision: bf16\nnum_processes: 4\n',
      'run.sh': 'accelerate launch --config_file fsdp.yaml train.py\n',
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job).toMatchObject({ gpus: 4, precision: 'bf16-mixed', amp_style: 'master_weights', grad_checkpointing: true, fsdp: { strategy: 'SHARD_GRAD_OP', cpu_offload: true } });
    expect(a.values.grad_checkpointing!.status).toBe('known');
  });

  it('no DeepSpeed or FSDP: mixed_precision autocasts, and the script’s own precision stays', () => {
    const root = writeWorkspace({ 'train.py': SCRIPT, 'mgpu.yaml': 'distributed_type: MULTI_GPU\nmixed_precision: fp16\nnum_processes: 2\n', 'run.sh': 'accelerate launch --config_file mgpu.yaml train.py\n' });
    expect(analyzeFile(analyzer, root, 'train.py').job).toMatchObject({ gpus: 2, precision: 'fp16-mixed', amp_style: 'autocast', grad_accum: 1 });
    const own = writeWorkspace({ 'train.py': SCRIPT.replace('Accelerator()', 'Accelerator(mixed_precision="bf16")'), 'mgpu.yaml': 'distributed_type: MULTI_GPU\nmixed_precision: fp16\n', 'run.sh': 'accelerate launch --config_file mgpu.yaml train.py\n' });
    expect(analyzeFile(analyzer, own, 'train.py').job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'autocast' });
  });
});

/** The accelerate config open in the editor, with unsaved text: analysed as the editor would, the script launched with it. */
function analyzeOpenConfig(root: string, path: string, text: string, gpu = 'A100-80GB') {
  const uri = pathToFileURL(join(root, path)).href;
  return analyzer.analyze({ uri, text, version: 2 }, { gpu, gpus: 1 }, createWorkspaceFiles([root]));
}

describe('an open accelerate config: the script launched with its unsaved text (one reading of the keys, launch-settings.ts)', () => {
  const SAVED = 'compute_environment: LOCAL_MACHINE\ndistributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 1\nmixed_precision: fp16\nnum_processes: 2\n';
  const workspace = (script = SCRIPT) => writeWorkspace({ 'train.py': script, 'cfg.yaml': SAVED, 'run.sh': 'accelerate launch --config_file cfg.yaml train.py\n' });

  it('the saved text, as the script reads it', () => {
    const root = workspace();
    const a = analyzeOpenConfig(root, 'cfg.yaml', SAVED);
    expect(a.job).toMatchObject({ gpus: 2, precision: 'fp16-mixed', amp_style: 'master_weights', zero: { stage: 1, offload_optimizer: 'none' } });
    expect(a.job).toEqual(analyzeFile(analyzer, root, 'train.py').job);
  });

  it('edited keys win over the saved copy: zero_stage, offload, mixed_precision, num_processes', () => {
    const root = workspace();
    const edited = SAVED.replace('zero_stage: 1', 'zero_stage: 3\n  offload_param_device: cpu\n  offload_optimizer_device: cpu').replace('fp16', 'bf16').replace('num_processes: 2', 'num_processes: 8');
    expect(analyzeOpenConfig(root, 'cfg.yaml', edited).job).toMatchObject({
      gpus: 8, precision: 'bf16-mixed', amp_style: 'master_weights', zero: { stage: 3, offload_optimizer: 'cpu', offload_param: 'cpu' },
    });
  });

  it('switched away from DeepSpeed: the saved copy\'s ZeRO is gone, mixed precision autocasts', () => {
    const root = workspace();
    const job = analyzeOpenConfig(root, 'cfg.yaml', 'distributed_type: MULTI_GPU\nmixed_precision: bf16\nnum_processes: 4\n').job!;
    expect(job.zero).toBeUndefined();
    expect(job).toMatchObject({ gpus: 4, precision: 'bf16-mixed', amp_style: 'autocast' });
  });

  it('mixed_precision "no" in the open text: fp32, though the saved copy said fp16', () => {
    const root = workspace();
    const job = analyzeOpenConfig(root, 'cfg.yaml', 'distributed_type: MULTI_GPU\nmixed_precision: "no"\nnum_processes: 2\n').job!;
    expect(job).toMatchObject({ precision: 'fp32', gpus: 2 });
  });

  it('what the script sets itself stays: its own optimizer', () => {
    const own = `${SCRIPT}optimizer = bnb.optim.AdamW8bit(model.parameters())\n`;
    const root = workspace(own);
    const job = analyzeOpenConfig(root, 'cfg.yaml', SAVED.replace('zero_stage: 1', 'zero_stage: 2')).job!;
    expect(job).toMatchObject({ optimizer: 'adamw_8bit', zero: { stage: 2 } });
  });
});
