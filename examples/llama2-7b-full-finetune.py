"""Full fine-tuning of Llama-2-7B on an instruction dataset with the Hugging Face Trainer.

A common first attempt: it looks reasonable, but full fine-tuning with AdamW keeps fp32 weights,
gradients and two optimizer states for 6.7 B parameters. TrainLens shows why it does not fit.
"""
from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

MODEL_ID = "meta-llama/Llama-2-7b-hf"
MAX_LEN = 2048
BATCH = 4

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, attn_implementation="sdpa")

raw = load_dataset("tatsu-lab/alpaca", split="train")


def tokenize(batch):
    return tokenizer(batch["text"], truncation=True, max_length=MAX_LEN, padding="max_length")


train = raw.map(tokenize, batched=True, remove_columns=raw.column_names)

args = TrainingArguments(
    output_dir="llama2-7b-alpaca",
    per_device_train_batch_size=BATCH,
    gradient_accumulation_steps=8,
    learning_rate=2e-5,
    num_train_epochs=3,
    bf16=True,
    optim="adamw_torch",
    logging_steps=10,
    save_strategy="epoch",
)

trainer = Trainer(
    model=model,
    args=args,
    train_dataset=train,
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
)
trainer.train()
