"""The Llama-2-7B full fine-tune again, made to fit: DeepSpeed ZeRO-3 with optimizer and parameter
offload to CPU (examples/ds_config_zero3_offload.json), gradient checkpointing, 4 GPUs.
Launch: deepspeed --num_gpus 4 examples/llama2-7b-zero3-offload.py
"""
# trainlens: gpus=4
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer, TrainingArguments

MODEL_ID = "meta-llama/Llama-2-7b-hf"
MAX_LEN = 2048

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, attn_implementation="sdpa")

raw = load_dataset("tatsu-lab/alpaca", split="train")
train = raw.map(lambda b: tokenizer(b["text"], truncation=True, max_length=MAX_LEN, padding="max_length"), batched=True, remove_columns=raw.column_names)

args = TrainingArguments(
    output_dir="llama2-7b-alpaca-zero3",
    per_device_train_batch_size=4,
    gradient_accumulation_steps=8,
    learning_rate=2e-5,
    num_train_epochs=3,
    bf16=True,
    gradient_checkpointing=True,
    deepspeed="ds_config_zero3_offload.json",
    logging_steps=10,
)

trainer = Trainer(model=model, args=args, train_dataset=train, data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))
trainer.train()
