/**
 * Values that depend on how the script runs: control flow (decided and undecidable ifs, augmented
 * assignments, loops), environment variables set by launchers and launch files, files exec'd in
 * place (nanoGPT's configurator with config files and --key=value), and inference batches read
 * from prompt lists. Each through the real analyzer (tree-sitter parse, workspace files on disk).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { AnalysisSettings } from '../../server/src/analysis/types';
import { parseLaunchCommand } from '../../server/src/launch/command';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const A100: AnalysisSettings = { gpu: 'A100-80GB', gpus: 1 };

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trainlens-flow-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function analyzeIn(root: string, script: string, settings: AnalysisSettings = A100) {
  const path = join(root, script);
  return analyzer.analyze({ uri: pathToFileURL(path).href, text: readFileSync(path, 'utf8'), version: 1 }, settings, createWorkspaceFiles([root]));
}

const analyzeText = (text: string, settings: AnalysisSettings = A100) => analyzer.analyze({ uri: 'file:///w/train.py', text, version: 1 }, settings);

const LOOP_HEAD = `import os
import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained("gpt2")
`;
const LOOP_TAIL = `loader = DataLoader(ds, batch_size=BATCH)
opt = torch.optim.AdamW(model.parameters())
for b in loader:
    model(**b).loss.backward()
`;

describe('control flow', () => {
  it('runs the branch of an if whose condition it can decide, augmented assignments included', () => {
    const a = analyzeText(`${LOOP_HEAD}BATCH = 64\nMODE = "small"\nif MODE == "small":\n    BATCH //= 4\nelse:\n    BATCH = 128\n${LOOP_TAIL}`);
    expect(a.values.micro_batch).toMatchObject({ value: 16, status: 'known' });
    expect(a.values.micro_batch!.reason).toMatch(/MODE == "small".*is true/);
    expect(a.values.micro_batch!.reason).toContain('BATCH //= 4');
  });

  it('takes elif and else branches, and the value before the if when no branch binds the name', () => {
    const elif = analyzeText(`${LOOP_HEAD}SIZE = 3\nif SIZE == 1:\n    BATCH = 1\nelif SIZE == 3:\n    BATCH = 12\nelse:\n    BATCH = 2\n${LOOP_TAIL}`);
    expect(elif.job!.micro_batch).toBe(12);
    const none = analyzeText(`${LOOP_HEAD}BATCH = 6\nDEBUG = False\nif DEBUG:\n    BATCH = 1\n${LOOP_TAIL}`);
    expect(none.values.micro_batch).toMatchObject({ value: 6, status: 'known' });
  });

  it('an undecidable condition leaves the value unknown with the condition and line, unless every branch agrees', () => {
    const differs = analyzeText(`${LOOP_HEAD}BATCH = 8\nif torch.cuda.get_device_capability()[0] >= 8:\n    BATCH = 32\n${LOOP_TAIL}`);
    expect(differs.values.micro_batch!.status).not.toBe('known');
    expect(differs.values.micro_batch!.reason).toMatch(/depends on `torch\.cuda\.get_device_capability\(\)\[0\] >.*` at line 7/);
    const agrees = analyzeText(`${LOOP_HEAD}if os.path.exists("big.flag"):\n    BATCH = 16\nelse:\n    BATCH = 16\n${LOOP_TAIL}`);
    expect(agrees.values.micro_batch).toMatchObject({ value: 16, status: 'known' });
  });

  it('a name changed by an augmented assignment in a loop is unknown after the loop', () => {
    const a = analyzeText(`${LOOP_HEAD}BATCH = 2\nfor stage in range(3):\n    BATCH *= 2\n${LOOP_TAIL}`);
    expect(a.values.micro_batch!.status).not.toBe('known');
    expect(a.values.micro_batch!.reason).toMatch(/changes in the loop at line 7/);
  });

  it('augmented assignments are statement facts: kept across an edit elsewhere, added and removed with their statement', () => {
    const uri = 'file:///w/augmented.py';
    const at = (text: string, version: number) => analyzer.analyze({ uri, text, version }, A100).job!.micro_batch;
    const base = `${LOOP_HEAD}BATCH = 64\nif True:\n    BATCH //= 4\n${LOOP_TAIL}`;
    expect(at(base, 1)).toBe(16);
    expect(at(base.replace('import os', 'import sys'), 2)).toBe(16);
    expect(at(base.replace('BATCH //= 4', 'BATCH //= 8'), 3)).toBe(8);
    expect(at(base.replace('    BATCH //= 4\n', '    pass\n'), 4)).toBe(64);
  });

  it('boolean operators short-circuit; torch.cuda.is_bf16_supported() is answered for the GPU in the settings', () => {
    const script = `${LOOP_HEAD}dtype = "bfloat16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "float16"\nptdtype = {"bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]\nctx = torch.autocast("cuda", dtype=ptdtype)\nBATCH = 4\n${LOOP_TAIL}`;
    expect(analyzeText(script).job!.precision).toBe('bf16-mixed');
    const v100 = analyzeText(script, { gpu: 'V100-32GB', gpus: 1 });
    expect(v100.job!.precision).toBe('fp16-mixed');
  });
});

describe('environment variables of the launch', () => {
  const SCRIPT = `${LOOP_HEAD}world = int(os.environ.get("WORLD_SIZE", 1))\nGLOBAL = int(os.environ.get("GLOBAL_BATCH", 64))\nBATCH = GLOBAL // world\nrank = int(os.environ["LOCAL_RANK"])\n${LOOP_TAIL}`;

  it('reads what torchrun sets, what the launch file exports and VAR=value prefixes, with the line that sets them', () => {
    const root = workspace({ 'train.py': SCRIPT, 'run.sh': '#!/bin/bash\nGLOBAL_BATCH=999\nexport GLOBAL_BATCH=256\n\ntorchrun --nproc_per_node 4 train.py\n' });
    const a = analyzeIn(root, 'train.py');
    expect(a.values.micro_batch).toMatchObject({ value: 64, status: 'known' });
    expect(a.values.micro_batch!.reason).toMatch(/WORLD_SIZE=4 set by torchrun \(run\.sh line 5\)/);
    expect(a.values.micro_batch!.reason).toMatch(/GLOBAL_BATCH=256 exported in run\.sh line 3/);
    const prefixed = analyzeIn(workspace({ 'train.py': SCRIPT, 'go.sh': 'GLOBAL_BATCH=32 torchrun --nnodes 2 --nproc_per_node 8 train.py\n' }), 'train.py');
    expect(prefixed.job!.micro_batch).toBe(2);
  });

  it('a plain shell variable is not in the environment; without a launcher the defaults apply', () => {
    const unexported = analyzeIn(workspace({ 'train.py': SCRIPT, 'run.sh': 'GLOBAL_BATCH=8\npython train.py\n' }), 'train.py');
    expect(unexported.values.micro_batch).toMatchObject({ value: 64, status: 'known' });
    expect(unexported.values.micro_batch!.reason).toMatch(/GLOBAL_BATCH is not set by python in run\.sh line 2/);
    const bare = analyzeText(SCRIPT);
    expect(bare.job!.micro_batch).toBe(64);
    expect(bare.values.micro_batch!.reason).toMatch(/not set by any launcher in the workspace/);
  });

  it('the deepspeed launcher sets RANK, LOCAL_RANK and WORLD_SIZE; a command parses its env prefixes and script words', () => {
    const a = analyzeIn(workspace({ 'train.py': SCRIPT, 'ds.sh': 'deepspeed --num_gpus 2 train.py --zero 2\n' }), 'train.py');
    expect(a.job!.micro_batch).toBe(32);
    const c = parseLaunchCommand('OMP_NUM_THREADS=4 torchrun --nproc_per_node 2 train.py config/a.py --lr=3e-4')!;
    expect(Object.fromEntries(c.env!)).toEqual({ OMP_NUM_THREADS: '4' });
    expect(c.scriptWords).toEqual(['config/a.py', '--lr=3e-4']);
  });
});

const NANO_TRAIN = `import os
import torch
from model import GPT, GPTConfig
batch_size = 64
block_size = 256
gradient_accumulation_steps = 8
n_layer = 4
n_head = 4
n_embd = 256
max_iters = 1000
exec(open("configurator.py").read())
ddp = int(os.environ.get("RANK", -1)) != -1
if ddp:
    ddp_world_size = int(os.environ["WORLD_SIZE"])
    gradient_accumulation_steps //= ddp_world_size
model = GPT(GPTConfig(n_layer=n_layer, n_head=n_head, n_embd=n_embd, block_size=block_size, vocab_size=50304))
optimizer = torch.optim.AdamW(model.parameters())
for it in range(max_iters):
    for micro in range(gradient_accumulation_steps):
        model(torch.zeros(batch_size, block_size)).loss.backward()
`;
const NANO_MODEL = `from dataclasses import dataclass
import torch.nn as nn

@dataclass
class GPTConfig:
    block_size: int = 1024
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768

class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight
`;
const CONFIGURATOR = readFileSync(join(__dirname, '../fixtures/scripts/14-nanogpt-configurator/configurator.py'), 'utf8');

describe("files exec'd in place", () => {
  it("nanoGPT: config files from the launch line, then --key=value, then the ddp branch under torchrun", () => {
    const root = workspace({
      'train.py': NANO_TRAIN, 'model.py': NANO_MODEL, 'configurator.py': CONFIGURATOR,
      'config/big.py': 'batch_size = 16\nblock_size = 512\nn_layer = 8\ngradient_accumulation_steps = 4 * 8\n',
      'run.sh': 'torchrun --standalone --nproc_per_node=4 train.py config/big.py --batch_size=12 --max_iters=2000\n',
    });
    const a = analyzeIn(root, 'train.py');
    expect(a.job).toMatchObject({ micro_batch: 12, seq_len: 512, grad_accum: 8, gpus: 4, total_steps: 2000 });
    expect(a.job!.model).toMatchObject({ family: 'gpt2', num_layers: 8, hidden_size: 256, intermediate_size: 1024, max_position_embeddings: 512, tie_word_embeddings: true });
    expect(a.values.micro_batch!.source!.file).toBe(pathToFileURL(join(root, 'run.sh')).href);
    expect(a.values.micro_batch!.reason).toContain('--batch_size=12 on the command line (run.sh line 1), read by configurator.py');
    expect(a.values.seq_len!.source!.file).toBe(pathToFileURL(join(root, 'config/big.py')).href);
    expect(a.values.grad_accum!.reason).toMatch(/`if ddp` \(line 13\) is true.*gradient_accumulation_steps \/\/= .*→ 8/);
    // the attention the model's own code computes, not transformers' default
    expect(a.values.attention).toMatchObject({ value: 'eager', status: 'assumed', reason: 'model.py computes attention itself (no scaled_dot_product_attention call)' });
    const flash = analyzeIn(workspace({
      'train.py': NANO_TRAIN, 'configurator.py': CONFIGURATOR,
      'model.py': NANO_MODEL.replace('        self.wte.weight', '        self.flash = hasattr(F, "scaled_dot_product_attention")\n        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)\n        self.wte.weight'),
    }), 'train.py');
    expect(flash.job!.attention).toBe('sdpa');
    expect(flash.values.attention!.reason).toMatch(/^model\.py calls F\.scaled_dot_product_attention/);
  });

  it('without a launcher the defaults stand and ddp is off; a missing config file makes the names unknown', () => {
    const files = { 'train.py': NANO_TRAIN, 'model.py': NANO_MODEL, 'configurator.py': CONFIGURATOR };
    expect(analyzeIn(workspace(files), 'train.py').job).toMatchObject({ micro_batch: 64, grad_accum: 8, seq_len: 256 });
    const missing = analyzeIn(workspace({ ...files, 'run.sh': 'python train.py config/gone.py\n' }), 'train.py');
    expect(missing.values.micro_batch!.status).not.toBe('known');
    expect(missing.values.micro_batch!.reason).toMatch(/config file config\/gone\.py on the command line \(run\.sh line 1\)/);
    // the model's fields share that reason: it is said once, after the fields it stops
    const model = missing.values.model!.reason!;
    expect(model).toMatch(/^GPTConfig: n_embd, n_layer, n_head, block_size \(.*config\/gone\.py.*\) not read$/);
    expect(model.split('not found').length).toBe(2);
    expect(model).not.toMatch(/looked in ([^,)]+), \1\)/); // each folder once
  });

  it('a plain exec of a workspace file rebinds what it assigns; an unreadable one leaves later values unknown', () => {
    const script = `${LOOP_HEAD}BATCH = 4\nexec(open("overrides.py").read())\n${LOOP_TAIL}`;
    const a = analyzeIn(workspace({ 'train.py': script, 'overrides.py': 'BATCH = 2 * 10\n' }), 'train.py');
    expect(a.values.micro_batch).toMatchObject({ value: 20, status: 'known' });
    expect(a.values.micro_batch!.source!.file).toMatch(/overrides\.py$/);
    const gone = analyzeIn(workspace({ 'train.py': script }), 'train.py');
    expect(gone.values.micro_batch!.status).not.toBe('known');
    expect(gone.values.micro_batch!.reason).toMatch(/exec\(open\("overrides\.py"\)\.read\(\)\) at line 7/);
  });
});

describe('inference batch from the prompts', () => {
  const VLLM = (prompts: string, llmArgs = '') => `from vllm import LLM, SamplingParams
${prompts}
llm = LLM(model="mistralai/Mistral-7B-v0.1"${llmArgs})
outs = llm.generate(prompts, SamplingParams(max_tokens=64))
`;

  it('vLLM: literal lists, repetition and comprehensions over range, capped by max_num_seqs', () => {
    expect(analyzeText(VLLM('prompts = ["a", "b", "c"]')).job!.inference!.batch).toBe(3);
    expect(analyzeText(VLLM('N = 40\nprompts = [f"q{i}" for i in range(N)]')).job!.inference!.batch).toBe(40);
    const capped = analyzeText(VLLM('prompts = ["x", "y"] * 100', ', max_num_seqs=64'));
    expect(capped.job!.micro_batch).toBe(64);
    expect(capped.values.micro_batch).toMatchObject({ status: 'known' });
    const byDefault = analyzeText(VLLM('prompts = ["x"] * 1000'));
    expect(byDefault.values.micro_batch).toMatchObject({ value: 256, status: 'assumed' });
  });

  it('vLLM: a list that grows or comes from a file is not counted', () => {
    const grows = analyzeText(VLLM('prompts = []\nfor i in range(10):\n    prompts.append(str(i))'));
    expect(grows.values.micro_batch!.status).not.toBe('known');
    expect(grows.values.micro_batch!.reason).toMatch(/grows at run time \(line 4\)/);
    const filtered = analyzeText(VLLM('prompts = [p for p in range(50) if p % 2]'));
    expect(filtered.values.micro_batch!.status).not.toBe('known');
  });

  it('HF generate on a tokenized prompt list, and a pipeline batch_size', () => {
    const hf = analyzeText(`from transformers import AutoModelForCausalLM, AutoTokenizer
tok = AutoTokenizer.from_pretrained("gpt2")
model = AutoModelForCausalLM.from_pretrained("gpt2")
prompts = ["a", "b"] + ["c"] * 3
enc = tok(prompts, return_tensors="pt", padding=True).to("cuda")
out = model.generate(**enc, max_new_tokens=50)
`);
    expect(hf.job!.inference).toMatchObject({ engine: 'hf', batch: 5, max_new_tokens: 50 });
    const pipe = analyzeText(`from transformers import pipeline
pipe = pipeline("text-generation", model="gpt2")
for r in pipe(load_questions(), batch_size=4, max_new_tokens=32):
    print(r)
`);
    expect(pipe.job!.inference).toMatchObject({ batch: 4, max_new_tokens: 32 });
  });
});
