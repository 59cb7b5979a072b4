/** dtype and attention written in a dict of from_pretrained arguments: pipeline(model_kwargs=...), TRL model_init_kwargs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const analyze = (text: string) => analyzer.analyze({ uri: 'file:///w/run.py', text, version: 1 }, { gpu: 'A100-80GB', gpus: 1 });

describe('loading arguments in a dict', () => {
  it('TRL: model_init_kwargs of the SFTConfig load the hub id in bf16 with FlashAttention', () => {
    const a = analyze(`from trl import SFTConfig, SFTTrainer
args = SFTConfig(output_dir="out", max_length=2048, model_init_kwargs={"torch_dtype": "bfloat16", "attn_implementation": "flash_attention_2"})
trainer = SFTTrainer(model="meta-llama/Llama-3.1-8B", args=args, train_dataset=ds)
`);
    expect(a.job).toMatchObject({ precision: 'bf16', attention: 'flash' });
    expect(a.values.precision).toMatchObject({ status: 'known' });
    expect(a.values.attention).toMatchObject({ status: 'known' });
    expect(a.values.attention!.reason).toContain('model_init_kwargs (line 2)');
  });

  it('TRL: without model_init_kwargs the dtype stays the trainer default (bf16 autocast over fp32 weights)', () => {
    const a = analyze(`from trl import SFTConfig, SFTTrainer
trainer = SFTTrainer(model="meta-llama/Llama-3.1-8B", args=SFTConfig(output_dir="out"), train_dataset=ds)
`);
    expect(a.job).toMatchObject({ precision: 'bf16-mixed', attention: 'sdpa' });
  });

  it('pipeline: model_kwargs torch_dtype sets the weights and the KV cache dtype under 4-bit loading', () => {
    const a = analyze(`import torch
from transformers import BitsAndBytesConfig, pipeline
kwargs = {"torch_dtype": torch.bfloat16, "quantization_config": BitsAndBytesConfig(load_in_4bit=True)}
pipe = pipeline("text-generation", model="meta-llama/Meta-Llama-3-8B-Instruct", model_kwargs=kwargs)
out = pipe(["a", "b"], max_new_tokens=64, batch_size=2)
`);
    expect(a.job).toMatchObject({ precision: 'bf16', inference: { kv_cache_dtype: 'bf16', max_new_tokens: 64 } });
  });

  it('a dtype written on the call itself wins over the dict', () => {
    const a = analyze(`import torch
from transformers import pipeline
pipe = pipeline("text-generation", model="meta-llama/Meta-Llama-3-8B-Instruct", torch_dtype=torch.float16, model_kwargs={"torch_dtype": torch.bfloat16})
out = pipe("hi", max_new_tokens=8)
`);
    expect(a.job!.precision).toBe('fp16');
  });
});
