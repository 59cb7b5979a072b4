/**
 * How a trainer YAML is launched (axolotl, LLaMA-Factory): the launch line in a workspace shell script or the
 * `command` setting gives the YAML's job its GPU count, its accelerate config (FSDP/DeepSpeed plugin, mixed
 * precision) and its command-line overrides, each pointing at the line with the reason; what the line leaves
 * to the machine stays assumed; launchers that disagree make the values they set assumed.
 */
import { symlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { Analysis, AnalysisSettings } from '../../server/src/analysis/types';
import { parseTrainerLaunch } from '../../server/src/launch/trainer-launch';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const analyse = (files: Record<string, string>, entry: string, settings: Partial<AnalysisSettings> = {}): Analysis =>
  analyzeFile(analyzer, writeWorkspace(files), entry, settings);

const LF = `model_name_or_path: meta-llama/Meta-Llama-3-8B-Instruct
stage: sft
do_train: true
finetuning_type: lora
lora_target: all
cutoff_len: 2048
per_device_train_batch_size: 1
gradient_accumulation_steps: 8
bf16: true
`;

const AXOLOTL = `base_model: meta-llama/Llama-3.1-8B
sequence_len: 4096
micro_batch_size: 2
gradient_accumulation_steps: 4
bf16: auto
gradient_checkpointing: true
`;

const FSDP_ACCELERATE = `compute_environment: LOCAL_MACHINE
distributed_type: FSDP
fsdp_config:
  fsdp_offload_params: false
  fsdp_sharding_strategy: FULL_SHARD
mixed_precision: bf16
num_machines: 1
num_processes: 2
`;

describe('reading a trainer launch line', () => {
  it('llamafactory-cli: the GPU count from CUDA_VISIBLE_DEVICES, or FORCE_TORCHRUN with NNODES × NPROC_PER_NODE; key=value overrides', () => {
    const visible = parseTrainerLaunch('CUDA_VISIBLE_DEVICES=0,1,2 llamafactory-cli train examples/train_lora/llama3_lora_sft.yaml cutoff_len=1024 foo');
    expect(visible?.run).toMatchObject({ trainer: 'llamafactory', config: 'examples/train_lora/llama3_lora_sft.yaml', via: 'llamafactory-cli train' });
    expect(visible?.command).toMatchObject({ gpusPerNode: 3, nodes: 1 });
    expect([...visible!.run.overrides]).toEqual([['cutoff_len', '1024']]);
    const forced = parseTrainerLaunch('FORCE_TORCHRUN=1 NNODES=2 NODE_RANK=0 NPROC_PER_NODE=8 lmf train x.yaml');
    expect(forced?.command).toMatchObject({ gpusPerNode: 8, nodes: 2 });
    const bare = parseTrainerLaunch('llamafactory-cli train x.yaml');
    expect(bare?.command.gpusPerNode).toBeUndefined();
    expect(bare?.run.gpusUnstated).toMatch(/neither CUDA_VISIBLE_DEVICES nor FORCE_TORCHRUN/);
    // FORCE_TORCHRUN wins over USE_RAY; USE_RAY alone leaves the workers to Ray
    expect(parseTrainerLaunch('USE_RAY=1 FORCE_TORCHRUN=1 NPROC_PER_NODE=2 llamafactory-cli train x.yaml')?.command).toMatchObject({ gpusPerNode: 2, nodes: 1 });
    expect(parseTrainerLaunch('USE_RAY=1 CUDA_VISIBLE_DEVICES=0,1 llamafactory-cli train x.yaml')?.run.gpusUnstated).toMatch(/^USE_RAY=1: Ray starts the workers/);
    // an empty CUDA_VISIBLE_DEVICES is set: it hides every GPU
    expect(parseTrainerLaunch('CUDA_VISIBLE_DEVICES= llamafactory-cli train x.yaml')?.run.gpusUnstated).toBe('CUDA_VISIBLE_DEVICES is empty: the run sees no GPU');
    expect(parseTrainerLaunch('llamafactory-cli chat x.yaml')).toBeUndefined();
    expect(parseTrainerLaunch('llamafactory-cli train x.json')).toBeUndefined();
  });

  it('a launcher running a script with the YAML first (LLaMA-Factory src/train.py), and the axolotl module under each launcher', () => {
    const acc = parseTrainerLaunch('CUDA_VISIBLE_DEVICES=0,1 accelerate launch --config_file examples/accelerate/fsdp_config.yaml src/train.py x.yaml');
    expect(acc?.run).toMatchObject({ trainer: 'llamafactory', config: 'x.yaml' });
    expect(acc?.command.launcherOptions.get('config_file')).toBe('examples/accelerate/fsdp_config.yaml');
    expect(parseTrainerLaunch('torchrun --nproc_per_node 4 src/train.py x.yaml')?.command.gpusPerNode).toBe(4);
    const ds = parseTrainerLaunch('deepspeed --num_gpus 2 -m axolotl.cli.train x.yml --micro_batch_size=4 --sequence-len 1024 --flash_attention');
    expect(ds?.run).toMatchObject({ trainer: 'axolotl', config: 'x.yml', via: 'deepspeed -m axolotl.cli.train' });
    expect(ds?.command).toMatchObject({ launcher: 'deepspeed', gpusPerNode: 2 });
    expect([...ds!.run.overrides]).toEqual([['micro_batch_size', '4'], ['sequence_len', '1024'], ['flash_attention', 'true']]);
    expect(parseTrainerLaunch('python -m axolotl.cli.train x.yml')?.command).toMatchObject({ launcher: 'python', gpusPerNode: 1 });
    expect(parseTrainerLaunch('accelerate launch -m axolotl.cli.train x.yml')?.command.gpusPerNode).toBeUndefined();
    // another module, or a script whose first argument is not a YAML, runs no trainer config
    expect(parseTrainerLaunch('python -m other.module x.yml')).toBeUndefined();
    expect(parseTrainerLaunch('torchrun --nproc_per_node 4 train.py --config x.yaml')).toBeUndefined();
  });

  it('axolotl train: the launcher option, launcher flags and the words after -- go to the launcher, config options are overrides', () => {
    const a = parseTrainerLaunch('axolotl train x.yml --num-processes 4 --micro-batch-size 2 --no-gradient-checkpointing --fsdp-config__offload-params=true -- --main_process_port 29501');
    expect(a?.command).toMatchObject({ launcher: 'accelerate', gpusPerNode: 4 });
    expect(a?.command.launcherOptions.get('main_process_port')).toBe('29501');
    expect([...a!.run.overrides]).toEqual([['micro_batch_size', '2'], ['gradient_checkpointing', 'false'], ['fsdp_config.offload_params', 'true']]);
    const t = parseTrainerLaunch('axolotl train x.yml --launcher torchrun -- --nproc_per_node 8 --nnodes 2');
    expect(t?.command).toMatchObject({ launcher: 'torchrun', gpusPerNode: 8, nodes: 2 });
    expect(parseTrainerLaunch('axolotl train x.yml --launcher python')?.command).toMatchObject({ launcher: 'python', gpusPerNode: 1 });
    // a launcher axolotl does not run through accelerate/torchrun/python is no launch TrainLens reads
    expect(parseTrainerLaunch('axolotl train x.yml --launcher ray --num-processes 4')).toBeUndefined();
    expect(parseTrainerLaunch('axolotl train x.yml --launcher deepspeed')).toBeUndefined();
  });
});

describe('a trainer YAML with its launch line in a workspace shell script', () => {
  it('LLaMA-Factory under accelerate with an FSDP config: GPU count, FSDP and the line\'s override, each at the line', () => {
    const sh = 'CUDA_VISIBLE_DEVICES=0,1 accelerate launch \\\n  --config_file examples/accelerate/fsdp_config.yaml \\\n  src/train.py examples/train_lora/llama3.yaml cutoff_len=1024\n';
    const a = analyse({ 'examples/train_lora/llama3.yaml': LF, 'examples/accelerate/fsdp_config.yaml': FSDP_ACCELERATE, 'train.sh': sh }, 'examples/train_lora/llama3.yaml');
    expect(a.job).toMatchObject({ gpus: 2, seq_len: 1024, fsdp: { strategy: 'FULL_SHARD', cpu_offload: false }, precision: 'bf16-mixed', amp_style: 'master_weights' });
    expect(a.values.gpus).toMatchObject({ status: 'known', source: { file: expect.stringContaining('train.sh'), range: { start: { line: 0 } } } });
    expect(a.values.gpus!.reason).toContain('accelerate launch src/train.py in train.sh line 1');
    expect(a.values.seq_len).toMatchObject({ status: 'known', reason: 'cutoff_len=1024 on the command line (train.sh line 1)', source: { file: expect.stringContaining('train.sh') } });
    expect(a.values.fsdp).toMatchObject({ status: 'known', source: { file: expect.stringContaining('fsdp_config.yaml') } });
    // the YAML's own bf16 stays its own; accelerate's FSDP keeps fp32 shards as the master copy
    expect(a.values.precision!.source!.file).toContain('llama3.yaml');
    expect(a.values.precision!.reason).toContain('under accelerate FSDP');
  });

  it('without the launcher the same YAML has the settings\' GPU count and no FSDP (the change is what the line adds)', () => {
    const a = analyse({ 'examples/train_lora/llama3.yaml': LF }, 'examples/train_lora/llama3.yaml', { gpus: 4 });
    expect(a.job).toMatchObject({ gpus: 4, seq_len: 2048 });
    expect(a.job!.fsdp).toBeUndefined();
    expect(a.values.gpus).toMatchObject({ status: 'known', reason: 'from settings' });
  });

  it('llamafactory-cli without CUDA_VISIBLE_DEVICES: the machine decides, so the setting stands in, assumed with why', () => {
    const a = analyse({ 'cfg/lora.yaml': LF, 'run.sh': 'cd cfg && llamafactory-cli train lora.yaml\n' }, 'cfg/lora.yaml', { gpus: 8 });
    expect(a.values.gpus).toMatchObject({ value: 8, status: 'assumed' });
    expect(a.values.gpus!.reason).toMatch(/neither CUDA_VISIBLE_DEVICES nor FORCE_TORCHRUN.*setting \(8\) stands in/);
  });

  it('a `cd` before the line and the path matching of scripts: a YAML of the same name elsewhere is another file', () => {
    const files = { 'a/x.yaml': LF, 'b/x.yaml': LF, 'launch/run.sh': 'cd ../a\nCUDA_VISIBLE_DEVICES=0,1,2,3 llamafactory-cli train x.yaml\n' };
    expect(analyse(files, 'a/x.yaml').values.gpus).toMatchObject({ value: 4, status: 'known' });
    expect(analyse(files, 'b/x.yaml').values.gpus).toMatchObject({ value: 1, reason: 'from settings' });
  });

  it('axolotl via deepspeed -m: GPU count and --key=value overrides at the line; the DeepSpeed engine is the YAML\'s', () => {
    const a = analyse({ 'x.yml': AXOLOTL, 'scripts/go.sh': 'deepspeed --num_gpus 2 -m axolotl.cli.train x.yml --micro_batch_size=1 --gradient_checkpointing=false\n' }, 'x.yml');
    expect(a.job).toMatchObject({ gpus: 2, micro_batch: 1, grad_checkpointing: false, seq_len: 4096 });
    expect(a.values.micro_batch).toMatchObject({ status: 'known', reason: 'micro_batch_size=1 on the command line (scripts/go.sh line 1)' });
    expect(a.values.grad_checkpointing!.source!.file).toContain('go.sh');
    expect(a.values.seq_len!.source!.file).toContain('x.yml');
  });

  it('axolotl with strict: true ignores an override of a key the YAML does not have, and says so', () => {
    const a = analyse({ 'x.yml': `${AXOLOTL}strict: true\n`, 'go.sh': 'axolotl train x.yml --num-processes 2 --lora_r 64 --micro-batch-size 8\n' }, 'x.yml');
    expect(a.job).toMatchObject({ gpus: 2, micro_batch: 8 });
    expect(a.assumptions.join('\n')).toContain('lora_r=64 on the command line (go.sh line 1) is ignored: the config sets strict: true');
  });

  it('an override named __proto__ is a key like any other: the server\'s objects are left as they were', () => {
    const a = analyse({ 'x.yaml': LF, 'go.sh': 'CUDA_VISIBLE_DEVICES=0,1 llamafactory-cli train x.yaml __proto__.polluted=1 cutoff_len=1024\n' }, 'x.yaml');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(a.job).toMatchObject({ gpus: 2, seq_len: 1024 });
    // strict: true checks the YAML's own keys, not those every object inherits
    const b = analyse({ 'x.yml': `${AXOLOTL}strict: true\n`, 'go.sh': 'axolotl train x.yml --constructor 3\n' }, 'x.yml');
    expect(b.assumptions.join('\n')).toContain('constructor=3 on the command line (go.sh line 1) is ignored');
  });

  it('accelerate launch with no process count: the GPU count is assumed, the accelerate config\'s other settings apply', () => {
    const a = analyse({ 'x.yml': AXOLOTL.replace('bf16: auto\n', ''), 'acc.yaml': FSDP_ACCELERATE.replace('num_processes: 2\n', ''), 'go.sh': 'accelerate launch --config_file acc.yaml -m axolotl.cli.train x.yml\n' }, 'x.yml');
    expect(a.values.gpus).toMatchObject({ status: 'assumed' });
    expect(a.values.gpus!.reason).toContain('no --num_processes');
    // no bf16 in the YAML: accelerate's mixed_precision applies, under FSDP over fp32 shards
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'master_weights', fsdp: { strategy: 'FULL_SHARD' } });
    expect(a.values.precision!.source!.file).toContain('acc.yaml');
  });

  it('two launch lines that disagree on the GPU count: assumed, with the pick hint; values they agree on stay known', () => {
    const a = analyse({ 'x.yml': AXOLOTL, 'a.sh': 'accelerate launch --num_processes 2 -m axolotl.cli.train x.yml\n', 'b.sh': 'accelerate launch --num_processes 8 -m axolotl.cli.train x.yml\n' }, 'x.yml');
    expect(a.values.gpus).toMatchObject({ value: 2, status: 'assumed' });
    expect(a.values.gpus!.reason).toContain('one of 2 launchers; pick one with "# trainlens: launcher=<file>"');
    expect(a.values.micro_batch).toMatchObject({ status: 'known' });
    expect(a.assumptions.join('\n')).toContain('launched by a.sh line 1; also by b.sh line 1');
  });

  it('a "# trainlens: launcher=" comment in the YAML naming a file that does not launch it: said, not ignored', () => {
    const a = analyse({ 'x.yml': `# trainlens: launcher=gone.sh\n${AXOLOTL}`, 'go.sh': 'accelerate launch --num_processes 8 -m axolotl.cli.train x.yml\n' }, 'x.yml');
    expect(a.assumptions.join('\n')).toMatch(/^# trainlens: launcher=gone\.sh: .+; read without a launcher$/m);
    expect(a.values.gpus).not.toMatchObject({ value: 8, status: 'known' });
  });

  it('two launch lines that agree on the GPU count: it stays known, naming both', () => {
    const a = analyse({ 'x.yml': AXOLOTL, 'a.sh': 'accelerate launch --num_processes 4 -m axolotl.cli.train x.yml\n', 'b.sh': 'axolotl train x.yml --num-processes 4\n' }, 'x.yml');
    expect(a.values.gpus).toMatchObject({ value: 4, status: 'known' });
    expect(a.values.gpus!.reason).toContain('the same in all 2 launchers: a.sh, b.sh');
  });

  it('CUDA_VISIBLE_DEVICES and FORCE_TORCHRUN exported earlier in the launcher count for llamafactory-cli', () => {
    const a = analyse({ 'x.yaml': LF, 'go.sh': 'export CUDA_VISIBLE_DEVICES=0,1,2,3\nllamafactory-cli train x.yaml\n' }, 'x.yaml');
    expect(a.values.gpus).toMatchObject({ value: 4, status: 'known' });
    // a plain assignment is not in the child's environment
    expect(analyse({ 'x.yaml': LF, 'go.sh': 'CUDA_VISIBLE_DEVICES=0,1,2,3\nllamafactory-cli train x.yaml\n' }, 'x.yaml').values.gpus).toMatchObject({ status: 'assumed' });
  });

  it('a deepspeed=<file> override: the DeepSpeed config is read from where the line runs, ZeRO pointing at the line', () => {
    const ds = '{ "zero_optimization": { "stage": 3, "offload_param": { "device": "cpu" } }, "bf16": { "enabled": "auto" } }';
    const a = analyse({ 'configs/x.yaml': LF, 'examples/deepspeed/ds_z3_offload.json': ds, 'scripts/run.sh': 'CUDA_VISIBLE_DEVICES=0,1 llamafactory-cli train configs/x.yaml deepspeed=examples/deepspeed/ds_z3_offload.json\n' }, 'configs/x.yaml');
    expect(a.job).toMatchObject({ gpus: 2, zero: { stage: 3, offload_param: 'cpu' }, amp_style: 'master_weights' });
    expect(a.values.zero).toMatchObject({ status: 'known', reason: 'deepspeed=examples/deepspeed/ds_z3_offload.json on the command line (scripts/run.sh line 1)' });
  });

  it('an accelerate config with the DeepSpeed plugin gives an axolotl YAML its ZeRO stage; a differing accumulation is a Trainer error, said', () => {
    const acc = 'distributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 3\n  offload_optimizer_device: cpu\n  gradient_accumulation_steps: 16\nmixed_precision: bf16\nnum_processes: 8\n';
    const a = analyse({ 'x.yml': AXOLOTL, 'ds.yaml': acc, 'go.sh': 'accelerate launch --config_file ds.yaml -m axolotl.cli.train x.yml\n' }, 'x.yml');
    expect(a.job).toMatchObject({ gpus: 8, zero: { stage: 3, offload_optimizer: 'cpu' }, grad_accum: 4, amp_style: 'master_weights' });
    expect(a.values.zero!.source!.file).toContain('ds.yaml');
    expect(a.values.grad_accum!.source!.file).toContain('x.yml');
    expect(a.assumptions.join('\n')).toContain('sets gradient_accumulation_steps 16, the config 4: the Trainer stops at start');
  });

  it('a # trainlens: launcher= comment picks one of them; it is not reported as an unread value', () => {
    const a = analyse({ 'x.yml': `# trainlens: launcher=b.sh\n${AXOLOTL}`, 'a.sh': 'accelerate launch --num_processes 2 -m axolotl.cli.train x.yml\n', 'b.sh': 'accelerate launch --num_processes 8 -m axolotl.cli.train x.yml\n' }, 'x.yml');
    expect(a.values.gpus).toMatchObject({ value: 8, status: 'known' });
    expect(a.assumptions.join('\n')).not.toContain('launcher=');
    // pairs separated by a comma, as in a script's comment
    const b = analyse({ 'x.yml': `# trainlens: launcher=b.sh, seq_len=1024\n${AXOLOTL}`, 'a.sh': 'accelerate launch --num_processes 2 -m axolotl.cli.train x.yml\n', 'b.sh': 'accelerate launch --num_processes 8 -m axolotl.cli.train x.yml\n' }, 'x.yml');
    expect(b.values.gpus).toMatchObject({ value: 8, status: 'known' });
    expect(b.job!.seq_len).toBe(1024);
  });

  it('a line that runs the other trainer (axolotl module on a LLaMA-Factory YAML) is not its launch', () => {
    const a = analyse({ 'x.yaml': LF, 'go.sh': 'deepspeed --num_gpus 4 -m axolotl.cli.train x.yaml\n' }, 'x.yaml');
    expect(a.values.gpus).toMatchObject({ value: 1, reason: 'from settings' });
  });
});

describe('a workspace opened through a symlinked folder', () => {
  it('finds the YAML\'s launch line, and the command setting applies to the file it names', () => {
    const root = writeWorkspace({ 'x.yaml': LF, 'go.sh': 'CUDA_VISIBLE_DEVICES=0,1 llamafactory-cli train x.yaml\n' });
    const link = `${root}-link`;
    symlinkSync(root, link);
    expect(analyzeFile(analyzer, link, 'x.yaml').job!.gpus).toBe(2);
    const command = analyzeFile(analyzer, link, 'x.yaml', { command: 'FORCE_TORCHRUN=1 NPROC_PER_NODE=4 llamafactory-cli train x.yaml' } as Partial<AnalysisSettings>);
    expect(command.job!.gpus).toBe(4);
    expect(command.assumptions.join('\n')).not.toContain('not this file');
  });
});

describe('the command setting', () => {
  it('applies when it trains this file, and says why not when it trains another', () => {
    const files = { 'x.yaml': LF, 'y.yaml': LF };
    const here = analyse(files, 'x.yaml', { command: 'FORCE_TORCHRUN=1 NPROC_PER_NODE=4 llamafactory-cli train x.yaml per_device_train_batch_size=2' } as Partial<AnalysisSettings>);
    expect(here.job).toMatchObject({ gpus: 4, micro_batch: 2 });
    expect(here.values.micro_batch).toMatchObject({ reason: 'per_device_train_batch_size=2 on the command line (--command)' });
    const other = analyse(files, 'x.yaml', { command: 'llamafactory-cli train y.yaml' } as Partial<AnalysisSettings>);
    expect(other.job!.gpus).toBe(1);
    expect(other.assumptions.join('\n')).toContain('the launch command trains y.yaml, not this file');
    const trainer = analyse({ 'x.yml': AXOLOTL }, 'x.yml', { command: 'llamafactory-cli train x.yml' } as Partial<AnalysisSettings>);
    expect(trainer.assumptions.join('\n')).toContain('the launch command runs llamafactory-cli train, which does not read an axolotl config: not applied');
  });
});
