/** torchtune recipe configs opened as documents, with their `tune run` launch lines and overrides. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { parseTuneRun } from '../../server/src/analysis/torchtune-launch';
import { loraTargets, torchtuneBuilder } from '../../server/src/analysis/torchtune-models';
import { isTrainerYaml } from '../../server/src/analysis/yaml-job';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const LORA = `model:
  _component_: torchtune.models.llama3.lora_llama3_8b
  lora_attn_modules: ['q_proj', "k_proj", v_proj]
  apply_lora_to_mlp: False
  lora_rank: 32
tokenizer:
  _component_: torchtune.models.llama3.llama3_tokenizer
  max_seq_len: 4096
batch_size: 4
batch_size_val: \${batch_size}
gradient_accumulation_steps: 2
optimizer:
  _component_: torch.optim.AdamW
dtype: bf16
`;

describe('tune run lines', () => {
  it('torchrun options before the recipe, --config in both spellings, overrides and removals after it', () => {
    const run = parseTuneRun('srun tune run --nnodes 2 --nproc-per-node=8 lora_finetune_distributed --config=cfg/a.yaml batch_size=1 dataset.packed=True ~compile')!;
    expect(run).toMatchObject({ recipe: 'lora_finetune_distributed', config: 'cfg/a.yaml', gpusPerNode: 8, nodes: 2 });
    expect([...run.overrides]).toEqual([['batch_size', '1'], ['dataset.packed', 'True'], ['compile', undefined]]);
    expect(parseTuneRun('tune run full_finetune_single_device --config llama3/8B_full_single_device')).toMatchObject({ gpusPerNode: 1, nodes: 1 });
  });

  it('not a launch: no --config, another command, or a line that only prints one', () => {
    expect(parseTuneRun('tune run lora_finetune_single_device')).toBeUndefined();
    expect(parseTuneRun('tune download meta-llama/Meta-Llama-3-8B --output-dir /tmp/x')).toBeUndefined();
    expect(parseTuneRun('echo tune run lora_finetune_single_device --config a.yaml')).toBeUndefined();
  });
});

describe('torchtune builders', () => {
  it('name the checkpoint they load; lora_/qlora_ prefixes; base/instruct suffixes', () => {
    expect(torchtuneBuilder('torchtune.models.llama3.lora_llama3_8b')).toEqual({ name: 'lora_llama3_8b', id: 'meta-llama/Meta-Llama-3-8B', lora: true, qlora: false });
    expect(torchtuneBuilder('torchtune.models.llama2.qlora_llama2_13b')).toMatchObject({ id: 'meta-llama/Llama-2-13b-hf', lora: true, qlora: true });
    expect(torchtuneBuilder('torchtune.models.qwen2_5.qwen2_5_7b_instruct').id).toBe('Qwen/Qwen2.5-7B');
    expect(torchtuneBuilder('torchtune.models.gemma.gemma_2b').id).toBeUndefined();
  });

  it('LoRA module names in Hugging Face terms', () => {
    expect(loraTargets(['q_proj', 'output_proj'], true, true)).toEqual(['q_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'lm_head']);
  });
});

describe('a torchtune config as a document', () => {
  it('is recognised by its model builder (and only then)', () => {
    expect(isTrainerYaml(LORA)).toBe(true);
    expect(isTrainerYaml('model:\n  name: resnet50\nbatch_size: 4\n')).toBe(false);
  });

  it('reads the LoRA model, batch, sequence, precision and optimizer, each pointing at its key', () => {
    const a = analyzeFile(analyzer, writeWorkspace({ 'lora.yaml': LORA }), 'lora.yaml');
    expect(a.job).toMatchObject({ micro_batch: 4, grad_accum: 2, seq_len: 4096, precision: 'bf16', optimizer: 'adamw', gpus: 1, grad_checkpointing: false });
    expect(a.job!.peft).toEqual({ method: 'lora', r: 32, alpha: 16, targets: ['q_proj', 'k_proj', 'v_proj'], dropout: 0 });
    expect(a.values.seq_len).toMatchObject({ status: 'known', source: { range: { start: { line: 7, character: 2 } } } });
    expect(a.values.grad_checkpointing).toMatchObject({ value: false, status: 'assumed' });
    expect(a.anchors[0]).toMatchObject({ kind: 'model', range: { start: { line: 1 } } });
    expect(a.estimate!.per_gpu.total).toBeGreaterThan(16 * 2 ** 30);
  });

  it('a launch line in the workspace: GPUs of a distributed recipe, FSDP, and overrides with the line as provenance', () => {
    const root = writeWorkspace({
      'configs/lora.yaml': `${LORA}fsdp_reshard_after_forward: False\n`,
      'jobs/a.sh': 'CFG=configs/lora.yaml\ntune run --nproc_per_node 4 lora_finetune_distributed --config $CFG \\\n  tokenizer.max_seq_len=8192 enable_activation_checkpointing=True optimizer._component_=bitsandbytes.optim.PagedAdamW8bit\n',
      'jobs/b.sh': 'tune run lora_finetune_single_device --config configs/lora.yaml\n',
    });
    const a = analyzeFile(analyzer, root, 'configs/lora.yaml');
    expect(a.job).toMatchObject({ gpus: 4, seq_len: 8192, grad_checkpointing: true, optimizer: 'paged_adamw_8bit', fsdp: { strategy: 'SHARD_GRAD_OP', cpu_offload: false } });
    expect(a.values.seq_len!.reason).toBe('tokenizer.max_seq_len=8192 on the command line (jobs/a.sh line 2) — one of 2 launch lines');
    expect(a.values.seq_len!.source!.file).toMatch(/jobs\/a\.sh$/);
    expect(a.assumptions.join('\n')).toContain('also by jobs/b.sh line 1');
    expect(a.values.gpus).toMatchObject({ value: 4, status: 'assumed' });
    expect(a.values.micro_batch!.status).toBe('known');
  });

  it('the command setting: a single-device recipe runs on one GPU whatever the settings say', () => {
    const root = writeWorkspace({ 'lora.yaml': LORA });
    const a = analyzeFile(analyzer, root, 'lora.yaml', { gpus: 8, command: 'tune run lora_finetune_single_device --config lora.yaml batch_size=16' });
    expect(a.job).toMatchObject({ gpus: 1, micro_batch: 16 });
    expect(a.job!.fsdp).toBeUndefined();
  });

  it('says what it cannot know: a null max_seq_len, no dtype, an optimizer it does not model, settings it does not model', () => {
    const text = LORA.replace('max_seq_len: 4096', 'max_seq_len: null').replace('dtype: bf16\n', '').replace('torch.optim.AdamW', 'torchao.optim.AdamW4bit') + 'optimizer_in_bwd: True\nenable_activation_offloading: True\n';
    const a = analyzeFile(analyzer, writeWorkspace({ 'c.yaml': text }), 'c.yaml');
    expect(a.values.seq_len).toMatchObject({ value: 2048, status: 'assumed' });
    expect(a.values.seq_len!.reason).toContain('depends on the data');
    expect(a.values.precision).toMatchObject({ value: 'fp32', status: 'assumed' });
    expect(a.values.optimizer!.reason).toContain('torchao.optim.AdamW4bit is not modelled');
    const said = a.assumptions.join('\n');
    expect(said).toContain('optimizer_in_bwd');
    expect(said).toContain('enable_activation_offloading');
    const chunked = analyzeFile(analyzer, writeWorkspace({ 'l.yaml': `${LORA}loss:\n  _component_: torchtune.modules.loss.LinearCrossEntropyLoss\n` }), 'l.yaml');
    expect(chunked.assumptions.join('\n')).toContain('loss LinearCrossEntropyLoss: the output projection and cross-entropy run chunk by chunk');
  });

  it('QLoRA and DoRA: quantize_base, use_dora; a builder outside the catalog is an unknown model, not a guess', () => {
    const q = analyzeFile(analyzer, writeWorkspace({ 'q.yaml': LORA.replace('lora_rank: 32', 'lora_rank: 32\n  use_dora: True\n  quantize_base: True') }), 'q.yaml');
    expect(q.job!.peft!.method).toBe('dora');
    expect(q.job!.quantization).toEqual({ method: 'nf4', bits: 4, double_quant: true, group_size: 64, compute_dtype: 'bf16', kbit_prepared: false });
    const big = analyzeFile(analyzer, writeWorkspace({ 'b.yaml': LORA.replace('llama3.lora_llama3_8b', 'llama3_1.lora_llama3_1_405b') }), 'b.yaml');
    expect(big.job).toBeNull();
    expect(big.values.model).toMatchObject({ status: 'unknown', value: 'meta-llama/Llama-3.1-405B' });
    expect(big.values.micro_batch).toMatchObject({ value: 4, status: 'known' });
  });

  it('bad values are said, not used; half-typed configs and odd overrides never throw', () => {
    const bad = LORA.replace('batch_size: 4', 'batch_size: -3').replace('gradient_accumulation_steps: 2', 'gradient_accumulation_steps: abc');
    const a = analyzeFile(analyzer, writeWorkspace({ 'bad.yaml': bad }), 'bad.yaml', { command: 'tune run lora_finetune_single_device --config bad.yaml tokenizer.max_seq_len= model.lora_rank=[oops' });
    expect(a.values.micro_batch).toMatchObject({ value: 1, status: 'assumed' });
    expect(a.values.micro_batch!.reason).toContain('batch_size: -3 is not a positive whole number');
    expect(a.values.grad_accum!.reason).toContain('gradient_accumulation_steps: abc is not a positive whole number');
    expect(a.values.seq_len!.status).toBe('assumed');
    const proto = analyzeFile(analyzer, writeWorkspace({ 'p.yaml': LORA.replace('lora_llama3_8b', 'constructor').replace('torch.optim.AdamW', 'torch.optim.toString') }), 'p.yaml');
    expect(proto.values.model!.status).toBe('unknown');
    expect(proto.values.optimizer).toMatchObject({ value: 'adamw', status: 'assumed' });
    for (const text of ['model:\n  _component_: torchtune.models.llama3.\n', 'model:\n  _component_: torchtune.models.x\n  lora_attn_modules: [\nbatch_size: [1, 2\n', 'model:\n\t_component_: torchtune.models.llama3.llama3_8b\n\u0000\u0001']) {
      expect(() => analyzeFile(analyzer, writeWorkspace({ 'c.yaml': text }), 'c.yaml')).not.toThrow();
    }
  });

  it('a # trainlens: comment states what the config cannot show; the assume setting fills only unknowns', () => {
    const text = `# trainlens: seq_len=3072 bogus=1\n${LORA.replace('max_seq_len: 4096', 'max_seq_len: null')}`;
    const a = analyzeFile(analyzer, writeWorkspace({ 's.yaml': text }), 's.yaml', { assume: { seq_len: '1024', grad_checkpointing: 'true', micro_batch: '64' } });
    expect(a.job).toMatchObject({ seq_len: 3072, grad_checkpointing: true, micro_batch: 4 });
    expect(a.values.seq_len).toMatchObject({ status: 'known', reason: '# trainlens: comment', source: { range: { start: { line: 0 } } } });
    expect(a.values.grad_checkpointing!.reason).toBe('trainlens.assume setting');
    const said = a.assumptions.join('\n');
    expect(said).toContain('"bogus=1" in the trainlens comment on line 1');
    expect(said).not.toContain('sequence length');
    const axolotl = analyzeFile(analyzer, writeWorkspace({ 'a.yml': 'base_model: gpt2\n# trainlens: seq_len=512\nmicro_batch_size: 2\n' }), 'a.yml');
    expect(axolotl.job!.seq_len).toBe(512);
  });
});
