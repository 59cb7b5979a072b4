/** Launch commands: how launchers are read, and how their values reach the job with provenance. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { parseLaunchCommand } from '../../server/src/launch/command';
import { assignment, logicalLines } from '../../server/src/launch/shell';
import { createWorkspaceFiles } from '../../server/src/workspace/files';
import { breakdownMarkdown } from '../../server/src/render/breakdown';

describe('launch commands', () => {
  it('torchrun: processes per node × nodes, script arguments in both spellings', () => {
    const c = parseLaunchCommand('torchrun --nnodes 2 --nproc_per_node=8 train.py --per_device_train_batch_size 4 --bf16 --max-seq-length=4096')!;
    expect(c).toMatchObject({ launcher: 'torchrun', script: 'train.py', gpusPerNode: 8, nodes: 2 });
    expect(Object.fromEntries(c.scriptArgs)).toEqual({ per_device_train_batch_size: '4', bf16: true, max_seq_length: '4096' });
  });

  it('python -m torch.distributed.run, env prefixes, quotes and variables', () => {
    const vars = new Map([['NGPU', '4']]);
    const c = parseLaunchCommand(`CUDA_VISIBLE_DEVICES=0,1,2,3 python -m torch.distributed.run --nproc-per-node $NGPU src/train.py --output_dir "my runs/x"`, vars)!;
    expect(c).toMatchObject({ launcher: 'torchrun', script: 'src/train.py', gpusPerNode: 4 });
    expect(c.scriptArgs.get('output_dir')).toBe('my runs/x');
  });

  it('deepspeed: --num_gpus, or the GPUs listed in --include', () => {
    expect(parseLaunchCommand('deepspeed --num_gpus 4 train.py --deepspeed ds.json')).toMatchObject({ launcher: 'deepspeed', gpusPerNode: 4 });
    expect(parseLaunchCommand('deepspeed --include localhost:0,1,2 train.py')).toMatchObject({ gpusPerNode: 3 });
  });

  it('accelerate launch keeps its options; plain python is one GPU; other commands are not launches', () => {
    const c = parseLaunchCommand('accelerate launch --config_file configs/fsdp.yaml --num_processes 8 train.py')!;
    expect(c.launcherOptions.get('config_file')).toBe('configs/fsdp.yaml');
    expect(c.gpusPerNode).toBe(8);
    expect(parseLaunchCommand('python3 -u train.py --lr 1e-4')).toMatchObject({ launcher: 'python', gpusPerNode: 1 });
    expect(parseLaunchCommand('echo train.py')).toBeUndefined();
    expect(parseLaunchCommand('pip install -r requirements.txt')).toBeUndefined();
  });

  it('joins continuation lines and drops comments', () => {
    expect(logicalLines('# setup\ntorchrun \\\n  --nproc_per_node 2 \\\n  train.py  # run\n')).toEqual([{ text: 'torchrun    --nproc_per_node 2    train.py', line: 1 }]);
  });

  it('a variable doubled line after line stops growing past the expansion budget (left as written), and the launcher still reads', () => {
    const vars = new Map<string, string>();
    for (const line of logicalLines(`A=xxxxxxxxxxxxxxxx\n${'A=$A$A\n'.repeat(40)}B=$A$A$A$A\n`)) assignment(line.text, vars);
    expect(vars.get('A')!.length).toBeLessThan(80 * 1024);
    expect(vars.get('B')!.length).toBeLessThan(80 * 1024);
    expect(parseLaunchCommand('torchrun --nproc_per_node 2 train.py --run $A', vars)).toMatchObject({ gpusPerNode: 2 });
  });

  it('continuations: a backslash with blanks after it, a blank continued line, CRLF, a backslash on the last line, a long chain', () => {
    expect(logicalLines('a \\  \r\n   \r\nb\n')).toEqual([{ text: 'a', line: 0 }, { text: 'b', line: 2 }]);
    expect(logicalLines('a \\\n\\\nb \\')).toEqual([{ text: 'a   b \\', line: 0 }]);
    const chain = logicalLines(`x=1\n${'torchrun --nproc_per_node 4 \\\n'.repeat(2000)}train.py\n`);
    expect(chain).toHaveLength(2);
    expect(chain[1].line).toBe(1);
    expect(chain[1].text.endsWith('--nproc_per_node 4  train.py')).toBe(true);
  });
});

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-ws-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function analyzeIn(root: string, script: string, command?: string) {
  const path = join(root, script);
  const text = require('node:fs').readFileSync(path, 'utf8') as string;
  return analyzer.analyze({ uri: pathToFileURL(path).href, text, version: 1 }, { gpu: 'A100-80GB', gpus: 1, ...(command ? { command } : {}) }, createWorkspaceFiles([root]));
}

const HF_PARSER_SCRIPT = `from transformers import AutoModelForCausalLM, HfArgumentParser, TrainingArguments, Trainer
from dataclasses import dataclass, field

@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="meta-llama/Llama-2-7b-hf")
    block_size: int = field(default=1024)

parser = HfArgumentParser((ModelArguments, TrainingArguments))
model_args, training_args = parser.parse_args_into_dataclasses()
model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
trainer = Trainer(model=model, args=training_args)
`;

describe('values from launchers and configs', () => {
  it('HfArgumentParser training arguments and a ds_config from a torchrun launcher in the workspace', () => {
    const root = workspace({
      'train.py': HF_PARSER_SCRIPT,
      'scripts/run.sh': '#!/bin/bash\nNGPUS=8\ntorchrun --nproc_per_node $NGPUS train.py \\\n  --per_device_train_batch_size 2 --gradient_accumulation_steps 16 \\\n  --bf16 --gradient_checkpointing --deepspeed configs/ds_z3.json --block_size 4096\n',
      'configs/ds_z3.json': '{\n  // DeepSpeed reads comments\n  "bf16": {"enabled": "auto"},\n  "zero_optimization": {"stage": 3, "offload_optimizer": {"device": "cpu"}}\n}\n',
    });
    const a = analyzeIn(root, 'train.py');
    expect(a.job).toMatchObject({ micro_batch: 2, grad_accum: 16, gpus: 8, grad_checkpointing: true, seq_len: 4096 });
    expect(a.job!.zero).toMatchObject({ stage: 3, offload_optimizer: 'cpu' });
    expect(a.values.micro_batch!.source!.file).toBe(pathToFileURL(join(root, 'scripts/run.sh')).href);
    expect(a.values.micro_batch!.reason).toContain('scripts/run.sh line 3');
    expect(a.values.gpus).toMatchObject({ value: 8, status: 'known' });
    expect(a.values.model!.value).toBe('meta-llama/Llama-2-7b-hf');
  });

  it('without a launcher, HfArgumentParser values are the library defaults, stated as assumed', () => {
    const root = workspace({ 'train.py': HF_PARSER_SCRIPT });
    const a = analyzeIn(root, 'train.py');
    expect(a.values.micro_batch).toMatchObject({ value: 8, status: 'assumed' });
    expect(a.job!.seq_len).toBe(1024);
    expect(a.values.seq_len!.reason).toContain('default of ModelArguments.block_size');
  });

  it('a launch line names this script by its path: a bare train.py in another folder is another script, unless the launcher cds here', () => {
    const root = workspace({
      'src/train.py': HF_PARSER_SCRIPT,
      'other/run.sh': 'torchrun --nproc_per_node 8 train.py --per_device_train_batch_size 2\n',
      'scripts/run.sh': 'cd src\ntorchrun --nproc_per_node 4 train.py --per_device_train_batch_size 3\n',
    });
    const a = analyzeIn(root, 'src/train.py');
    expect(a.job).toMatchObject({ micro_batch: 3, gpus: 4 });
    expect(a.values.micro_batch!.reason).toContain('scripts/run.sh line 2');
    const alone = workspace({ 'src/train.py': HF_PARSER_SCRIPT, 'other/run.sh': 'torchrun --nproc_per_node 8 train.py --per_device_train_batch_size 2\n' });
    expect(analyzeIn(alone, 'src/train.py').values.micro_batch).toMatchObject({ value: 8, status: 'assumed' });
  });

  it('a workspace opened through a symlinked folder: its launcher is found (the shell scripts are read at their real paths)', () => {
    const root = workspace({ 'src/train.py': HF_PARSER_SCRIPT, 'scripts/run.sh': 'torchrun --nproc_per_node 4 src/train.py --per_device_train_batch_size 3\n' });
    const link = `${root}-link`;
    symlinkSync(root, link);
    expect(analyzeIn(link, 'src/train.py').job).toMatchObject({ micro_batch: 3, gpus: 4 });
  });

  it('two workspace folders, one name the prefix of the other: a launcher belongs to the folder that holds it', () => {
    const base = workspace({ 'proj/README.md': '', 'proj-x/src/train.py': HF_PARSER_SCRIPT, 'proj-x/scripts/run.sh': 'torchrun --nproc_per_node 4 src/train.py\n' });
    const path = join(base, 'proj-x/src/train.py');
    const text = require('node:fs').readFileSync(path, 'utf8') as string;
    const a = analyzer.analyze({ uri: pathToFileURL(path).href, text, version: 1 }, { gpu: 'A100-80GB', gpus: 1 }, createWorkspaceFiles([join(base, 'proj'), join(base, 'proj-x')]));
    expect(a.values.gpus).toMatchObject({ value: 4, status: 'known', reason: expect.stringContaining('scripts/run.sh line 1') });
  });

  it('a whole launch command given by the user wins over the workspace launchers', () => {
    const root = workspace({ 'train.py': HF_PARSER_SCRIPT, 'run.sh': 'torchrun --nproc_per_node 8 train.py --per_device_train_batch_size 2\n' });
    const a = analyzeIn(root, 'train.py', 'deepspeed --num_gpus 2 train.py --per_device_train_batch_size 1');
    expect(a.job).toMatchObject({ micro_batch: 1, gpus: 2 });
    expect(a.values.micro_batch!.reason).toContain('--command');
  });

  it('several launchers: the first is used, the others named; a comment picks one', () => {
    const root = workspace({
      'train.py': HF_PARSER_SCRIPT,
      'a_small.sh': 'torchrun --nproc_per_node 2 train.py --per_device_train_batch_size 1\n',
      'b_big.sh': 'torchrun --nproc_per_node 8 train.py --per_device_train_batch_size 4\n',
    });
    const first = analyzeIn(root, 'train.py');
    expect(first.job!.gpus).toBe(2);
    expect(first.assumptions.join('\n')).toContain('also by b_big.sh line 1');
    writeFileSync(join(root, 'train.py'), `# trainlens: launcher=b_big.sh\n${HF_PARSER_SCRIPT}`);
    expect(analyzeIn(root, 'train.py').job).toMatchObject({ gpus: 8, micro_batch: 4 });
  });

  it('argparse defaults are overridden by the launcher, typed by type=', () => {
    const root = workspace({
      'train.py': `import argparse\nfrom transformers import AutoModelForCausalLM, TrainingArguments\np = argparse.ArgumentParser()\np.add_argument("--batch-size", type=int, default=8)\np.add_argument("--model", default="gpt2")\nargs = p.parse_args()\nmodel = AutoModelForCausalLM.from_pretrained(args.model)\nta = TrainingArguments(per_device_train_batch_size=args.batch_size)\n`,
      'launch.sh': 'python train.py --batch-size 3 --model meta-llama/Llama-2-7b-hf\n',
    });
    const a = analyzeIn(root, 'train.py');
    expect(a.job).toMatchObject({ micro_batch: 3, gpus: 1 });
    expect(a.job!.model.id).toBe('meta-llama/Llama-2-7b-hf');
  });

  it('accelerate launch with a config file: processes, mixed precision, FSDP', () => {
    const root = workspace({
      'train.py': `from accelerate import Accelerator\nfrom transformers import AutoModelForCausalLM\nimport torch\naccelerator = Accelerator()\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nloader = torch.utils.data.DataLoader(ds, batch_size=4)\n`,
      'configs/fsdp.yaml': 'compute_environment: LOCAL_MACHINE\ndistributed_type: FSDP\nfsdp_config:\n  fsdp_sharding_strategy: FULL_SHARD\n  fsdp_offload_params: true\nmixed_precision: bf16\nnum_machines: 1\nnum_processes: 4\n',
      'run.sh': 'accelerate launch --config_file configs/fsdp.yaml train.py\n',
    });
    const a = analyzeIn(root, 'train.py');
    expect(a.job).toMatchObject({ gpus: 4, precision: 'bf16-mixed', fsdp: { strategy: 'FULL_SHARD', cpu_offload: true } });
  });

  it('fire and click entry points: parameter defaults, overridden by the command line', () => {
    const root = workspace({
      'fire_train.py': `import fire\nfrom transformers import AutoModelForCausalLM, TrainingArguments\ndef train(model_id="gpt2", batch_size: int = 16, seq_len=512):\n    model = AutoModelForCausalLM.from_pretrained(model_id)\n    args = TrainingArguments(per_device_train_batch_size=batch_size)\n    tok(text, max_length=seq_len)\n\nif __name__ == "__main__":\n    fire.Fire(train)\n`,
      'click_train.py': `import click\nfrom transformers import AutoModelForCausalLM, TrainingArguments\n@click.command()\n@click.option("--batch-size", default=6, type=int)\ndef main(batch_size):\n    model = AutoModelForCausalLM.from_pretrained("gpt2")\n    args = TrainingArguments(per_device_train_batch_size=batch_size)\n`,
      'go.sh': 'python fire_train.py --batch_size=2\n',
    });
    const fire = analyzeIn(root, 'fire_train.py');
    expect(fire.job).toMatchObject({ micro_batch: 2, seq_len: 512 });
    expect(fire.values.seq_len!.reason).toContain('default of parameter seq_len of train()');
    expect(analyzeIn(root, 'click_train.py').job!.micro_batch).toBe(6);
  });

  it('values stated in a comment win, and are reported as such', () => {
    const root = workspace({ 'train.py': `# trainlens: seq_len=4096 micro_batch=2 grad_checkpointing=true\n${HF_PARSER_SCRIPT}` });
    const a = analyzeIn(root, 'train.py');
    expect(a.job).toMatchObject({ seq_len: 4096, micro_batch: 2, grad_checkpointing: true });
    expect(a.values.seq_len).toMatchObject({ status: 'known', reason: '# trainlens: comment' });
  });

  it('a DeepSpeed config that cannot be read is named in the assumptions', () => {
    const root = workspace({ 'train.py': 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nargs = TrainingArguments(deepspeed="missing_ds.json")\n' });
    const a = analyzeIn(root, 'train.py');
    expect(a.job!.zero).toBeUndefined();
    expect(a.assumptions.join('\n')).toMatch(/DeepSpeed config missing_ds\.json not found/);
    const broken = a.findings.find((f) => f.code === 'TL007')!;
    expect(broken).toMatchObject({ severity: 'warning', range: { start: { line: 2 } } });
    expect(broken.message).toContain('missing_ds.json not found');
  });

  it('the hover on deepspeed=... shows the config the script uses', () => {
    const root = workspace({
      'train.py': 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nargs = TrainingArguments(bf16=True, deepspeed="ds.json")\n',
      'ds.json': '{"bf16": {"enabled": "auto"}, "zero_optimization": {"stage": 2, "offload_optimizer": {"device": "cpu"}}}',
    });
    const a = analyzeIn(root, 'train.py');
    const anchor = a.anchors.find((x) => x.field === 'zero')!;
    expect(anchor.range.start.line).toBe(2);
    const hover = breakdownMarkdown(a, anchor);
    expect(hover).toContain('**DeepSpeed config** `ds.json`');
    expect(hover).toContain('ZeRO stage 2, offloading optimizer states to cpu');
    expect(a.findings.filter((f) => f.code === 'TL007')).toEqual([]);
  });
});

describe('models outside the catalog', () => {
  const config = JSON.stringify({ model_type: 'llama', hidden_size: 1024, intermediate_size: 2816, num_hidden_layers: 8, num_attention_heads: 16, num_key_value_heads: 4, vocab_size: 32000, max_position_embeddings: 4096 });
  const script = (id: string) => `from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("${id}")\nargs = TrainingArguments(per_device_train_batch_size=1)\n`;

  it('a local model folder: its config.json', () => {
    const root = workspace({ 'train.py': script('./checkpoints/my-llama'), 'checkpoints/my-llama/config.json': config });
    const a = analyzeIn(root, 'train.py');
    expect(a.job!.model).toMatchObject({ family: 'llama', hidden_size: 1024, num_layers: 8, num_kv_heads: 4 });
    expect(a.values.model!.reason).toContain('checkpoints/my-llama/config.json');
  });

  it('a config.json whose sizes cannot be counted gives no estimate and says which', () => {
    const broken = JSON.stringify({ ...JSON.parse(config), num_hidden_layers: 0 });
    const root = workspace({ 'train.py': script('./checkpoints/my-llama'), 'checkpoints/my-llama/config.json': broken });
    const a = analyzeIn(root, 'train.py');
    expect(a.estimate).toBeNull();
    expect(a.values.model!.reason).toMatch(/checkpoints\/my-llama\/config\.json: num_layers 0: must be whole numbers above 0/);
  });

  it('a hub id in the Hugging Face cache (refs/main snapshot), never the network', () => {
    const root = workspace({ 'train.py': script('acme/tiny-llama') });
    const cache = workspace({ 'models--acme--tiny-llama/refs/main': 'abc123', 'models--acme--tiny-llama/snapshots/abc123/config.json': config });
    const path = join(root, 'train.py');
    const files = createWorkspaceFiles([root], { hfCache: cache });
    const a = analyzer.analyze({ uri: pathToFileURL(path).href, text: script('acme/tiny-llama'), version: 1 }, { gpu: 'A100-80GB', gpus: 1 }, files);
    expect(a.job!.model.hidden_size).toBe(1024);
    const missing = analyzer.analyze({ uri: pathToFileURL(path).href, text: script('acme/other'), version: 1 }, { gpu: 'A100-80GB', gpus: 1 }, files);
    expect(missing.job).toBeNull();
    expect(missing.values.model!.reason).toContain('not in the Hugging Face cache');
  });
});

describe('inference scripts', () => {
  it('vLLM: model, max tokens, memory utilization', () => {
    const root = workspace({ 'serve.py': 'from vllm import LLM, SamplingParams\nllm = LLM(model="meta-llama/Llama-2-7b-hf", gpu_memory_utilization=0.85, max_model_len=4096)\nparams = SamplingParams(max_tokens=512)\nout = llm.generate(prompts, params)\n' });
    const a = analyzeIn(root, 'serve.py');
    expect(a.job!.model.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(a.job!.inference).toMatchObject({ engine: 'vllm', max_new_tokens: 512, gpu_memory_utilization: 0.85, max_model_len: 4096 });
  });

  it('HF generate with 4-bit loading', () => {
    const root = workspace({ 'gen.py': 'import torch\nfrom transformers import AutoModelForCausalLM, BitsAndBytesConfig\nq = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)\nmodel = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf", quantization_config=q)\nmodel.eval()\nout = model.generate(**inputs, max_new_tokens=256)\n' });
    const a = analyzeIn(root, 'gen.py');
    expect(a.job!.inference).toMatchObject({ engine: 'hf', max_new_tokens: 256 });
    expect(a.job!.quantization).toMatchObject({ method: 'nf4', bits: 4, double_quant: true, compute_dtype: 'bf16' });
  });
});

describe('YAML-driven trainers', () => {
  it('an axolotl config: job from its keys, the OOM error on micro_batch_size', () => {
    const root = workspace({ 'big.yml': 'base_model: meta-llama/Llama-2-7b-hf\nadapter:\nsequence_len: 4096\nmicro_batch_size: 16\ngradient_accumulation_steps: 1\nbf16: true\noptimizer: adamw_torch\n' });
    const path = join(root, 'big.yml');
    const a = analyzer.analyze({ uri: pathToFileURL(path).href, text: require('node:fs').readFileSync(path, 'utf8'), version: 1 }, { gpu: 'A100-80GB', gpus: 1 }, createWorkspaceFiles([root]));
    expect(a.job).toMatchObject({ micro_batch: 16, seq_len: 4096, precision: 'bf16-mixed', peft: null, grad_checkpointing: false });
    const oom = a.findings.find((f) => f.code === 'TL001')!;
    expect(oom.range.start.line).toBe(3);
    expect(a.values.grad_checkpointing!.status).toBe('assumed');
  });

  it('YAML that is not a trainer config gives nothing', () => {
    const a = analyzer.analyze({ uri: 'file:///w/.github/workflows/ci.yml', text: 'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n', version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    expect(a.job).toBeNull();
    expect(a.findings).toEqual([]);
  });
});
