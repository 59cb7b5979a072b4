/**
 * An optimizer built in a method of a workspace class (nanoGPT's `model.configure_optimizers(...)`):
 * followed statically into model.py, with provenance there; AdamW assumed, with the reason, when
 * the method cannot be followed. Real analyzer, workspaces on disk.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer?.dispose());

const GPT_MODEL = (optimizerBody: string) => `import inspect
from dataclasses import dataclass
import torch
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

    @classmethod
    def from_pretrained(cls, model_type, override_args=None):
        return cls(GPTConfig())

    def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
${optimizerBody}
`;

const NANOGPT_ADAMW = `        param_dict = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
        decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
        nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
        optim_groups = [{"params": decay_params, "weight_decay": weight_decay}, {"params": nodecay_params, "weight_decay": 0.0}]
        fused_available = "fused" in inspect.signature(torch.optim.AdamW).parameters
        use_fused = fused_available and device_type == "cuda"
        extra_args = dict(fused=True) if use_fused else dict()
        optimizer = torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
        return optimizer`;

const TRAIN = (tail: string) => `import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from model import GPT, GPTConfig
batch_size = 12
block_size = 1024
weight_decay = 1e-1
learning_rate = 6e-4
beta1, beta2 = 0.9, 0.95
${tail}
`;

describe('optimizer built by a method of a workspace model class', () => {
  it('nanoGPT: model.configure_optimizers(...) → torch.optim.AdamW in model.py, known, with provenance in model.py', () => {
    const root = writeWorkspace({
      'model.py': GPT_MODEL(NANOGPT_ADAMW),
      'train.py': TRAIN(`model = GPT(GPTConfig(n_layer=12))
optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), "cuda")
model = torch.compile(model)
model = DDP(model, device_ids=[0])`),
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.optimizer).toBe('adamw');
    const info = a.values.optimizer!;
    expect(info.status).toBe('known');
    expect(info.source!.file).toBe(pathToFileURL(join(root, 'model.py')).href);
    expect(info.source!.range.start.line).toBe(NANOGPT_ADAMW.split('\n').findIndex((l) => l.includes('torch.optim.AdamW(optim_groups')) + 26);
    expect(info.reason).toBe('model.configure_optimizers(...) → GPT.configure_optimizers in model.py: AdamW(...)');
    // The call in train.py is a hover anchor for the optimizer.
    expect(a.anchors.some((x) => x.field === 'optimizer' && x.range.start.line === 9)).toBe(true);
  });

  it('follows the receiver through GPT.from_pretrained, torch.compile, DDP, .module and a conditional', () => {
    const root = writeWorkspace({
      'model.py': GPT_MODEL('        return bnb.optim.AdamW8bit(self.parameters(), lr=learning_rate)'),
      'train.py': TRAIN(`init_from = "scratch"
if init_from == "scratch":
    model = GPT(GPTConfig())
else:
    model = GPT.from_pretrained(init_from)
model = torch.compile(model)
model = DDP(model, device_ids=[0])
raw_model = model.module if ddp else model
optimizer = raw_model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), "cuda")`),
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.optimizer).toBe('adamw_8bit');
    expect(a.values.optimizer).toMatchObject({ status: 'known', reason: 'raw_model.configure_optimizers(...) → GPT.configure_optimizers in model.py: AdamW8bit(...)' });
  });

  it('an aliased import (`from model import GPT as Net`) is the same class', () => {
    const root = writeWorkspace({
      'model.py': GPT_MODEL('        return torch.optim.SGD(self.parameters(), lr=learning_rate, momentum=0.9)'),
      'train.py': TRAIN(`from model import GPT as Net
net = Net(GPTConfig())
opt = net.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), "cuda")`),
    });
    expect(analyzeFile(analyzer, root, 'train.py').job?.optimizer).toBe('sgd_momentum');
  });

  it('two constructors chosen by an argument: the first, assumed, and the reason names both', () => {
    const root = writeWorkspace({
      'model.py': GPT_MODEL(`        if device_type == "cuda":
            return bnb.optim.PagedAdamW8bit(self.parameters(), lr=learning_rate)
        return torch.optim.AdamW(self.parameters(), lr=learning_rate)`),
      'train.py': TRAIN(`model = GPT(GPTConfig())
optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), "cuda")`),
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job?.optimizer).toBe('paged_adamw_8bit');
    expect(a.values.optimizer).toMatchObject({ status: 'assumed', reason: expect.stringContaining('builds PagedAdamW8bit or AdamW depending on its arguments') });
  });

  it('SGD whose momentum is a parameter of the method: plain SGD assumed, not known', () => {
    const root = writeWorkspace({
      'model.py': GPT_MODEL('        return torch.optim.SGD(self.parameters(), lr=learning_rate, momentum=weight_decay)'),
      'train.py': TRAIN(`model = GPT(GPTConfig())
optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), "cuda")`),
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.values.optimizer).toMatchObject({ value: 'sgd', status: 'assumed', reason: expect.stringContaining("SGD's momentum is not read") });
  });

  it('cannot be followed: AdamW assumed, and the reason says which call and why', () => {
    const missingMethod = writeWorkspace({
      'model.py': GPT_MODEL('        pass').replace('def configure_optimizers', 'def configure_optimisers'),
      'train.py': TRAIN(`model = GPT(GPTConfig())
optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), "cuda")`),
    });
    expect(analyzeFile(analyzer, missingMethod, 'train.py').values.optimizer).toMatchObject({
      value: 'adamw', status: 'assumed', reason: 'not set; model.configure_optimizers(...): GPT in model.py defines no configure_optimizers (inherited methods are not followed); AdamW assumed',
    });
    const noModule = writeWorkspace({
      'train.py': TRAIN(`from transformers import AutoModelForCausalLM
from lit_model import Lit
backbone = AutoModelForCausalLM.from_pretrained("gpt2")
model = Lit(backbone)
optimizer = model.configure_optimizers()`).replace('from model import GPT, GPTConfig\n', ''),
    });
    expect(analyzeFile(analyzer, noModule, 'train.py').values.optimizer).toMatchObject({
      value: 'adamw', status: 'assumed', reason: 'not set; model.configure_optimizers(...) builds the optimizer in a class TrainLens does not find in the workspace; AdamW assumed',
    });
  });
});
