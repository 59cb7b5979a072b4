/** Architectures used by the estimator tests (Hugging Face config.json values). */
import type { ModelArch, TrainingJob } from '../../estimator/src/types';

export const gpt2: ModelArch = {
  id: 'gpt2', family: 'gpt2', hidden_size: 768, intermediate_size: 3072, num_layers: 12, num_heads: 12,
  num_kv_heads: 12, vocab_size: 50257, max_position_embeddings: 1024, tie_word_embeddings: true,
};
export const llama7b: ModelArch = {
  id: 'meta-llama/Llama-2-7b-hf', family: 'llama', hidden_size: 4096, intermediate_size: 11008, num_layers: 32,
  num_heads: 32, num_kv_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false,
};
/** huggyllama/llama-65b config.json: the model of the QLoRA paper's 65B figures. */
export const llama65b: ModelArch = {
  id: 'huggyllama/llama-65b', family: 'llama', hidden_size: 8192, intermediate_size: 22016, num_layers: 80,
  num_heads: 64, num_kv_heads: 64, vocab_size: 32000, max_position_embeddings: 2048, tie_word_embeddings: false,
};
/** Mistral-7B-v0.1 config.json: GQA with 8 key/value heads. */
export const mistral7b: ModelArch = {
  id: 'mistralai/Mistral-7B-v0.1', family: 'llama', hidden_size: 4096, intermediate_size: 14336, num_layers: 32,
  num_heads: 32, num_kv_heads: 8, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
};

export function job(model: ModelArch, over: Partial<TrainingJob> = {}): TrainingJob {
  return {
    model, micro_batch: 1, grad_accum: 1, seq_len: 512, precision: 'bf16', amp_style: 'autocast', optimizer: 'adamw',
    grad_checkpointing: false, attention: 'eager', peft: null, gpus: 1, ...over,
  };
}

/** Llama-2-7B parameter count (HF model card / countParams test) and its linear weights, by the layer formula. */
export const LLAMA7B_PARAMS = 6_738_415_616;
export const llamaLinearParams = (a: ModelArch) => {
  const hd = a.hidden_size / a.num_heads;
  const attn = 2 * a.hidden_size * a.num_heads * hd + 2 * a.hidden_size * a.num_kv_heads * hd;
  return a.num_layers * (attn + 3 * a.hidden_size * a.intermediate_size);
};
