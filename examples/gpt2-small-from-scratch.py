"""Pre-training GPT-2 small (124 M parameters) from scratch on OpenWebText with a plain PyTorch loop."""
# trainlens: gpu=RTX-4090
import torch
from torch.utils.data import DataLoader
from datasets import load_dataset
from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel, default_data_collator

BLOCK_SIZE = 1024
MICRO_BATCH = 8
STEPS = 600_000

config = GPT2Config(n_embd=768, n_layer=12, n_head=12, n_positions=BLOCK_SIZE, vocab_size=50257)
model = GPT2LMHeadModel(config).to("cuda")
tokenizer = AutoTokenizer.from_pretrained("gpt2")

raw = load_dataset("openwebtext", split="train")
data = raw.map(lambda b: tokenizer(b["text"], truncation=True, max_length=BLOCK_SIZE, padding="max_length"), batched=True)
loader = DataLoader(data, batch_size=MICRO_BATCH, shuffle=True, collate_fn=default_data_collator)
optimizer = torch.optim.AdamW(model.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1)

model.train()
for step, batch in enumerate(loader):
    batch = {k: v.to("cuda") for k, v in batch.items()}
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(**batch, labels=batch["input_ids"]).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if step == STEPS:
        break
