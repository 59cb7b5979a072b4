/**
 * Qwen2.5 catalog entries. Qwen2 is laid out like Llama (RoPE, RMSNorm, SwiGLU gate/up/down_proj, GQA,
 * o_proj without bias) except that q_proj/k_proj/v_proj carry a bias: hence family 'llama' with
 * `qkv_bias: true`. Architecture numbers carry over from /work/shared/reference/model-catalog.json.
 *
 * Instruct repos are NOT aliased here except where config.json matches the base exactly: Qwen2.5-1.5B and
 * 7B..72B Instruct ship max_position_embeddings 32768 instead of the base 131072 (layer shapes and parameter
 * counts are the same, so the published totals below are shared by base and Instruct).
 */
import type { ModelArch } from '../types';

const PUB = 'published_params: HF hub safetensors / GGUF general.parameter_count totals for the Qwen2.5 repos';

export const QWEN_MODELS: ModelArch[] = [
  {
    id: 'Qwen/Qwen2.5-0.5B',
    aliases: ['Qwen/Qwen2.5-0.5B-Instruct'],
    family: 'llama',
    qkv_bias: true,
    hidden_size: 896,
    intermediate_size: 4864,
    num_layers: 24,
    num_heads: 14,
    num_kv_heads: 2,
    vocab_size: 151936,
    max_position_embeddings: 32768,
    tie_word_embeddings: true,
    published_params: 494_032_768,
    source: `huggingface.co config.json: osllmai-community/Qwen2.5-0.5B (_name_or_path Qwen/Qwen2.5-0.5B). ${PUB} (494032768).`,
  },
  {
    id: 'Qwen/Qwen2.5-1.5B',
    family: 'llama',
    qkv_bias: true,
    hidden_size: 1536,
    intermediate_size: 8960,
    num_layers: 28,
    num_heads: 12,
    num_kv_heads: 2,
    vocab_size: 151936,
    max_position_embeddings: 131072,
    tie_word_embeddings: true,
    published_params: 1_543_714_304,
    source:
      'huggingface.co config.json: kaitchup/Qwen2.5-1.5B-AutoRound-GPTQ-asym-4bit (_name_or_path Qwen/Qwen2.5-1.5B); ' +
      `vocab from Qwen2.5-1.5B-Instruct copies (onnx-community). Instruct variant has max_position_embeddings 32768. ${PUB} (1543714304).`,
  },
  {
    id: 'Qwen/Qwen2.5-3B',
    aliases: ['Qwen/Qwen2.5-3B-Instruct'],
    family: 'llama',
    qkv_bias: true,
    hidden_size: 2048,
    intermediate_size: 11008,
    num_layers: 36,
    num_heads: 16,
    num_kv_heads: 2,
    vocab_size: 151936,
    max_position_embeddings: 32768,
    tie_word_embeddings: true,
    published_params: 3_085_938_688,
    source:
      "huggingface.co config.json: unsloth/Qwen2.5-3B (_name_or_path Qwen/Qwen2.5-3B); mlc-ai/mlc-llm model_preset.py key 'qwen2.5_3b'. " +
      `${PUB} (3085938688).`,
  },
  {
    id: 'Qwen/Qwen2.5-7B',
    family: 'llama',
    qkv_bias: true,
    hidden_size: 3584,
    intermediate_size: 18944,
    num_layers: 28,
    num_heads: 28,
    num_kv_heads: 4,
    vocab_size: 152064,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    published_params: 7_615_616_512,
    source:
      'huggingface.co config.json: FreedomIntelligence/Apollo2-7B (Qwen2.5-7B fine-tune, max_position 131072); ' +
      `osllmai-community/Qwen2.5-7B-Instruct (Instruct: max_position 32768). ${PUB} (7615616512).`,
  },
  {
    id: 'Qwen/Qwen2.5-14B',
    family: 'llama',
    qkv_bias: true,
    hidden_size: 5120,
    intermediate_size: 13824,
    num_layers: 48,
    num_heads: 40,
    num_kv_heads: 8,
    vocab_size: 152064,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    published_params: 14_770_033_664,
    source:
      'huggingface.co config.json: arcee-ai/SuperNova-Medius refs/pr/3 and Sao10K/14B-Qwen2.5-Kunou-v1 ' +
      `(_name_or_path Qwen/Qwen2.5-14B). ${PUB} (14770033664).`,
  },
  {
    id: 'Qwen/Qwen2.5-32B',
    family: 'llama',
    qkv_bias: true,
    hidden_size: 5120,
    intermediate_size: 27648,
    num_layers: 64,
    num_heads: 40,
    num_kv_heads: 8,
    vocab_size: 152064,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    published_params: 32_763_876_352,
    source: `huggingface.co config.json: https://huggingface.co/Qwen/Qwen2.5-32B/blob/main/config.json. ${PUB} (32763876352).`,
  },
  {
    id: 'Qwen/Qwen2.5-72B',
    family: 'llama',
    qkv_bias: true,
    hidden_size: 8192,
    intermediate_size: 29568,
    num_layers: 80,
    num_heads: 64,
    num_kv_heads: 8,
    vocab_size: 152064,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    published_params: 72_706_203_648,
    source:
      `huggingface.co config.json: BitStack/BitStack-Qwen2.5-72B (_name_or_path .../Qwen/Qwen2.5-72B). ${PUB} (72706203648).`,
  },
];
