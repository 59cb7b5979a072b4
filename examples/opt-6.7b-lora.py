"""LoRA fine-tuning of OPT-6.7B in fp16 with PEFT and the Hugging Face Trainer (the PEFT int8 recipe,
without the 8-bit loading that TrainLens does not model yet)."""
import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

model_name = "facebook/opt-6.7b"
tokenizer = AutoTokenizer.from_pretrained(model_name)
model = AutoModelForCausalLM.from_pretrained(model_name, torch_dtype=torch.float16)

lora = LoraConfig(
    r=16,
    lora_alpha=32,
    target_modules=["q_proj", "v_proj"],
    lora_dropout=0.05,
    bias="none",
    task_type="CAUSAL_LM",
)
model = get_peft_model(model, lora)

data = load_dataset("Abirate/english_quotes", split="train")
data = data.map(lambda s: tokenizer(s["quote"], truncation=True, max_length=512), batched=True)

training_args = TrainingArguments(
    output_dir="opt-6.7b-lora",
    per_device_train_batch_size=4,
    gradient_accumulation_steps=4,
    warmup_steps=100,
    max_steps=200,
    learning_rate=2e-4,
    fp16=True,
    logging_steps=1,
)
trainer = Trainer(model=model, train_dataset=data, args=training_args)
trainer.train()
