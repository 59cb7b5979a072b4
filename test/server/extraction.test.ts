/** Reading scripts into jobs: values through constants, arithmetic, dicts, argparse, with provenance. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { AnalysisSettings } from '../../server/src/analysis/types';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const V100: AnalysisSettings = { gpu: 'V100-32GB', gpus: 1 };
const analyze = (text: string, settings: AnalysisSettings = V100) => analyzer.analyze({ uri: 'file:///w/train.py', text, version: 1 }, settings);

const HF_HEAD = `from transformers import AutoModelForCausalLM, TrainingArguments, Trainer
model = AutoModelForCausalLM.from_pretrained("gpt2")
`;

describe('values through the script', () => {
  it('follows a module constant and records where it was set', () => {
    const a = analyze(`${HF_HEAD}BATCH = 16\nargs = TrainingArguments(output_dir="o", per_device_train_batch_size=BATCH)\n`);
    const v = a.values.micro_batch!;
    expect(v).toMatchObject({ value: 16, status: 'known' });
    expect(v.source!.range.start).toEqual({ line: 2, character: 8 });
    expect(v.reason).toContain('BATCH = 16 (line 3)');
    expect(a.job!.micro_batch).toBe(16);
  });

  it('evaluates arithmetic over constants', () => {
    const a = analyze(`${HF_HEAD}GLOBAL_BATCH = 256\nGPUS = 8\nACCUM = 4\nargs = TrainingArguments(per_device_train_batch_size=GLOBAL_BATCH // GPUS // ACCUM, gradient_accumulation_steps=ACCUM)\n`);
    expect(a.job).toMatchObject({ micro_batch: 8, grad_accum: 4 });
  });

  it('takes the last assignment before the use', () => {
    const a = analyze(`${HF_HEAD}BATCH = 4\nBATCH = 2\nargs = TrainingArguments(per_device_train_batch_size=BATCH)\nBATCH = 64\n`);
    expect(a.job!.micro_batch).toBe(2);
  });

  it('reads keyword arguments spread from a dict', () => {
    const a = analyze(`${HF_HEAD}hp = {"bs": 3}\ncfg = dict(per_device_train_batch_size=hp["bs"], gradient_checkpointing=True)\nargs = TrainingArguments(output_dir="x", **cfg)\n`);
    expect(a.job).toMatchObject({ micro_batch: 3, grad_checkpointing: true });
    expect(a.values.micro_batch!.reason).toContain('**cfg');
  });

  it('reads argparse defaults, including store_true flags', () => {
    const a = analyze(`import argparse
${HF_HEAD}p = argparse.ArgumentParser()
p.add_argument("--batch-size", type=int, default=6)
p.add_argument("--gc", action="store_true")
args = p.parse_args()
targs = TrainingArguments(per_device_train_batch_size=args.batch_size, gradient_checkpointing=args.gc)
`);
    expect(a.job).toMatchObject({ micro_batch: 6, grad_checkpointing: false });
    expect(a.values.micro_batch!.reason).toContain('argparse default of --batch_size');
  });

  it('states the defaults it assumes', () => {
    const a = analyze(`${HF_HEAD}args = TrainingArguments(output_dir="o")\n`);
    expect(a.values.micro_batch).toMatchObject({ value: 8, status: 'assumed' });
    expect(a.assumptions).toContain('sequence length 1024 assumed: not set; not found');
    const llama = analyze(`from transformers import AutoModelForCausalLM, TrainingArguments
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
args = TrainingArguments(output_dir="o")
`);
    expect(llama.assumptions).toContain('sequence length 2048 assumed: not set; not found');
  });

  it('reports a value it cannot know, with the reason', () => {
    const a = analyze(`${HF_HEAD}import os\nargs = TrainingArguments(per_device_train_batch_size=int(os.environ["BS"]))\n`);
    expect(a.values.micro_batch!.status).toBe('assumed');
    expect(a.values.micro_batch!.reason).toMatch(/run time/);
  });
});

describe('models', () => {
  it('reads a literal config passed to from_config', () => {
    const a = analyze(`from transformers import LlamaConfig, AutoModelForCausalLM, TrainingArguments
cfg = LlamaConfig(hidden_size=512, intermediate_size=1408, num_hidden_layers=8, num_attention_heads=16, num_key_value_heads=4, vocab_size=32000)
model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
args = TrainingArguments(per_device_train_batch_size=2)
`);
    expect(a.job!.model).toMatchObject({ family: 'llama', hidden_size: 512, num_layers: 8, num_heads: 16, num_kv_heads: 4, intermediate_size: 1408, tie_word_embeddings: false });
    expect(a.job!.attention).toBe('eager');
  });

  it('gives no estimate for a literal config it cannot count (zero layers, heads that do not divide the width), saying why', () => {
    const zero = analyze(`from transformers import LlamaConfig, AutoModelForCausalLM, TrainingArguments
cfg = LlamaConfig(hidden_size=512, intermediate_size=1408, num_hidden_layers=0, num_attention_heads=16, vocab_size=32000)
model = AutoModelForCausalLM.from_config(cfg)
args = TrainingArguments(per_device_train_batch_size=2)
`);
    expect(zero.estimate).toBeNull();
    expect(zero.findings.find((f) => f.code === 'TL003')!.message).toContain('LlamaConfig: num_layers 0: must be whole numbers above 0');
    const heads = analyze(`from transformers import LlamaConfig, AutoModelForCausalLM
model = AutoModelForCausalLM.from_config(LlamaConfig(hidden_size=500, num_attention_heads=16))
`);
    expect(heads.values.model!.reason).toContain('hidden_size 500 is not a multiple of num_heads 16');
  });

  it('gives no estimate, with a message on the model id, for a model it does not know', () => {
    const a = analyze(`from transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("acme/secret-model-9b")\n`);
    expect(a.job).toBeNull();
    expect(a.estimate).toBeNull();
    const f = a.findings.find((x) => x.code === 'TL003')!;
    expect(f.message).toContain('acme/secret-model-9b');
    expect(f.range.start.line).toBe(1);
  });

  it('does not mistake a tokenizer for the model', () => {
    const a = analyze(`from transformers import AutoTokenizer, AutoModelForCausalLM
tok = AutoTokenizer.from_pretrained("acme/unknown")
model = AutoModelForCausalLM.from_pretrained("gpt2")
`);
    expect(a.job!.model.id).toBe('gpt2');
  });
});

describe('precision, optimizer, PEFT, loops', () => {
  it('TRL SFTConfig defaults: bf16 and gradient checkpointing on', () => {
    const a = analyze(`from trl import SFTConfig\nfrom transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\ncfg = SFTConfig(output_dir="o", max_length=512)\n`, { gpu: 'A100-80GB', gpus: 1 });
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', grad_checkpointing: true, seq_len: 512 });
    expect(a.values.grad_checkpointing!.status).toBe('assumed');
  });

  it('a plain PyTorch loop: DataLoader, autocast, SGD with momentum', () => {
    const a = analyze(`import torch
from transformers import GPT2Config, GPT2LMHeadModel
model = GPT2LMHeadModel(GPT2Config(n_layer=4, n_embd=256, n_head=4))
loader = torch.utils.data.DataLoader(ds, batch_size=12)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for batch in loader:
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(**batch).loss
`);
    expect(a.job).toMatchObject({ micro_batch: 12, optimizer: 'sgd_momentum', precision: 'bf16-mixed', amp_style: 'autocast' });
    expect(a.job!.model).toMatchObject({ hidden_size: 256, num_layers: 4, intermediate_size: 1024 });
  });

  it('half-precision weights are pure half, a DeepSpeed dict with bf16 keeps fp32 master weights', () => {
    const pure = analyze(`import torch\n${HF_HEAD.replace('"gpt2")', '"gpt2", torch_dtype=torch.bfloat16)')}args = TrainingArguments(bf16=True)\n`);
    expect(pure.job!.precision).toBe('bf16');
    const ds = analyze(`${HF_HEAD}ds = {"bf16": {"enabled": True}, "zero_optimization": {"stage": 1}}\nargs = TrainingArguments(bf16=True, deepspeed=ds)\n`);
    expect(ds.job).toMatchObject({ precision: 'bf16-mixed', amp_style: 'master_weights' });
  });

  it('LoraConfig with and without target_modules', () => {
    const a = analyze(`${HF_HEAD}from peft import LoraConfig, get_peft_model\nmodel = get_peft_model(model, LoraConfig(r=32, lora_alpha=64, target_modules=["c_attn", "c_proj"]))\n`);
    expect(a.job!.peft).toEqual({ method: 'lora', r: 32, alpha: 64, targets: ['c_attn', 'c_proj'], dropout: 0 });
    const d = analyze(`${HF_HEAD}from peft import LoraConfig\nLoraConfig()\n`);
    expect(d.job!.peft).toMatchObject({ r: 8, alpha: 8, targets: ['c_attn'] });
  });
});

describe('in-file settings', () => {
  it('a trainlens comment overrides the GPU settings', () => {
    const a = analyze(`# trainlens: gpu=H100-SXM-80GB gpus=8\n${HF_HEAD}`);
    expect(a.gpu.id).toBe('H100-SXM-80GB');
    expect(a.job!.gpus).toBe(8);
    expect(a.values.gpu!.reason).toBe('# trainlens: comment');
  });

  it('an unknown GPU in the comment is reported and the setting kept', () => {
    const a = analyze(`# trainlens: gpu=V99 gpus=zero\n${HF_HEAD}`);
    expect(a.gpu.id).toBe('V100-32GB');
    expect(a.findings.filter((f) => f.code === 'TL004').map((f) => f.message)).toEqual([
      expect.stringContaining('unknown GPU "V99"'), expect.stringContaining('gpus must be a whole number'),
    ]);
  });
});

describe('bad input never throws', () => {
  const inputs = [
    '', '\0\0\0binary\xff\xfe', 'args = TrainingArguments(per_device_train_batch_size=', 'def f(:\n  ))))',
    `${HF_HEAD}X = X\nargs = TrainingArguments(per_device_train_batch_size=X)`, `${HF_HEAD}A = B\nB = A\nargs = TrainingArguments(per_device_train_batch_size=A)`,
    `${HF_HEAD}args = TrainingArguments(per_device_train_batch_size=${'('.repeat(500)}1${')'.repeat(500)})`,
    `${HF_HEAD}args = TrainingArguments(per_device_train_batch_size=1/0)`, `${HF_HEAD}args = TrainingArguments(per_device_train_batch_size=-4)`,
  ];
  it.each(inputs.map((t, i) => [i, t]))('input %i', (_i, text) => {
    const a = analyze(text as string);
    expect(Array.isArray(a.findings)).toBe(true);
    if (a.job) expect(a.job.micro_batch).toBeGreaterThan(0);
  });
});

describe('control flow', () => {
  it('a checkpointing call under an if that is false does not count', () => {
    const off = analyze(`import argparse\n${HF_HEAD}p = argparse.ArgumentParser()\np.add_argument("--grad_ckpt", action="store_true")\nargs = p.parse_args()\nif args.grad_ckpt:\n    model.gradient_checkpointing_enable()\n`);
    expect(off.job!.grad_checkpointing).toBe(false);
    const on = analyze(`${HF_HEAD}USE_CKPT = True\nif USE_CKPT:\n    model.gradient_checkpointing_enable()\n`);
    expect(on.job!.grad_checkpointing).toBe(true);
  });
});

describe('the trainlens.assume setting', () => {
  it('fills values the code does not show, and never overrides what it does', () => {
    const text = `${HF_HEAD}args = TrainingArguments(per_device_train_batch_size=4)\n`;
    const a = analyzer.analyze({ uri: 'file:///w/train.py', text, version: 1 }, { ...V100, assume: { seq_len: '512', micro_batch: '64' } });
    expect(a.job).toMatchObject({ seq_len: 512, micro_batch: 4 });
    expect(a.values.seq_len).toMatchObject({ status: 'known', reason: 'trainlens.assume setting' });
    expect(a.values.micro_batch!.status).toBe('known');
  });
});
