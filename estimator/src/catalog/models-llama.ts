/**
 * Llama-2, Llama-3/3.1/3.2 and Mistral-7B catalog entries (family 'llama'). Architecture numbers carry
 * over from /work/shared/reference/model-catalog.json; see ./models.ts for the inclusion rules.
 *
 * Aliases: the chat/instruct repos listed have the same config.json numbers as their base model, so they
 * share an entry. Published totals are nn.Module parameter counts (transformers num_parameters()); HF hub
 * safetensors totals can differ when a checkpoint also stores rotary `inv_freq` buffers (noted per entry).
 */
import type { ModelArch } from '../types';

const L2_PUB = 'published_params: transformers LlamaForCausalLM.num_parameters()';

export const LLAMA_MODELS: ModelArch[] = [
  {
    id: 'meta-llama/Llama-2-7b-hf',
    aliases: ['meta-llama/Llama-2-7b-chat-hf'],
    family: 'llama',
    hidden_size: 4096,
    intermediate_size: 11008,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 32,
    vocab_size: 32000,
    max_position_embeddings: 4096,
    tie_word_embeddings: false,
    published_params: 6_738_415_616,
    source:
      'huggingface.co config.json: north/llama2-7b-exporttest1 (_name_or_path meta-llama/Llama-2-7b-hf); mlc-ai/mlc-llm ' +
      "model_preset.py key 'llama2_7b'. " +
      `${L2_PUB}, also KerasHub llama_7b_en preset "params" and GGUF general.parameter_count.`,
  },
  {
    id: 'meta-llama/Llama-2-13b-hf',
    aliases: ['meta-llama/Llama-2-13b-chat-hf'],
    family: 'llama',
    hidden_size: 5120,
    intermediate_size: 13824,
    num_layers: 40,
    num_heads: 40,
    num_kv_heads: 40,
    vocab_size: 32000,
    max_position_embeddings: 4096,
    tie_word_embeddings: false,
    published_params: 13_015_864_320,
    source:
      "huggingface.co config.json: NousResearch/Llama-2-13b-chat-hf; mlc-ai/mlc-llm model_preset.py key 'llama2_13b'. " +
      `${L2_PUB} as listed in public parameter tables for meta-llama/Llama-2-13b-chat-hf (13015864320).`,
  },
  {
    id: 'meta-llama/Llama-2-70b-hf',
    aliases: ['meta-llama/Llama-2-70b-chat-hf'],
    family: 'llama',
    hidden_size: 8192,
    intermediate_size: 28672,
    num_layers: 80,
    num_heads: 64,
    num_kv_heads: 8,
    vocab_size: 32000,
    max_position_embeddings: 4096,
    tie_word_embeddings: false,
    published_params: 68_976_648_192,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'llama2_70b' (dims); max_position 4096 from cli99/llm-analysis " +
      `upstage_Llama-2-70b-instruct-v2.json. ${L2_PUB} as listed for togethercomputer/llama-2-70b (68976648192). ` +
      'The HF hub safetensors total for this repo is 68,976,653,312: +5120 = 80 layers x 64 rotary inv_freq buffer values, not parameters.',
  },
  {
    id: 'meta-llama/Meta-Llama-3-8B',
    aliases: ['meta-llama/Meta-Llama-3-8B-Instruct'],
    family: 'llama',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 8192,
    tie_word_embeddings: false,
    published_params: 8_030_261_248,
    source:
      'huggingface.co config.json: pandyamarut/Meta-Llama-3-8B (_name_or_path meta-llama/Meta-Llama-3-8B), jerryzh168/llama3-8B. ' +
      'published_params: GGUF general.parameter_count of Llama-3-8B conversions; same as the HF hub safetensors total.',
  },
  {
    id: 'meta-llama/Meta-Llama-3-70B',
    aliases: ['meta-llama/Meta-Llama-3-70B-Instruct'],
    family: 'llama',
    hidden_size: 8192,
    intermediate_size: 28672,
    num_layers: 80,
    num_heads: 64,
    num_kv_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 8192,
    tie_word_embeddings: false,
    published_params: 70_553_706_496,
    source:
      'huggingface.co config.json: kittn/Meta-Llama-3-70B-quant (_name_or_path meta-llama/Meta-Llama-3-70B). ' +
      'published_params: HF hub safetensors total of the 70B Llama-3.x repos (same layer shapes as Llama-3.1-70B).',
  },
  {
    id: 'meta-llama/Llama-3.1-8B',
    aliases: ['meta-llama/Meta-Llama-3.1-8B', 'meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Meta-Llama-3.1-8B-Instruct'],
    family: 'llama',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    published_params: 8_030_261_248,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'llama3_1_8b'; huggingface.co config.json: NbAiLab/nb-llama-3.1-8B " +
      '(_name_or_path meta-llama/Llama-3.1-8B; rope_scaling llama3 factor 8, original 8192). ' +
      'published_params: HF hub API safetensors total for meta-llama/Llama-3.1-8B (params=8030261248).',
  },
  {
    id: 'meta-llama/Llama-3.1-70B',
    aliases: ['meta-llama/Meta-Llama-3.1-70B', 'meta-llama/Llama-3.1-70B-Instruct', 'meta-llama/Meta-Llama-3.1-70B-Instruct'],
    family: 'llama',
    hidden_size: 8192,
    intermediate_size: 28672,
    num_layers: 80,
    num_heads: 64,
    num_kv_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
    published_params: 70_553_706_496,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'llama3_1_70b'. " +
      'published_params: HF hub safetensors total for meta-llama/Llama-3.1-70B (70553706496).',
  },
  {
    id: 'meta-llama/Llama-3.2-1B',
    aliases: ['meta-llama/Llama-3.2-1B-Instruct'],
    family: 'llama',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_layers: 16,
    num_heads: 32,
    num_kv_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: true,
    published_params: 1_235_814_400,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'llama3_2_1b'. " +
      'published_params: HF hub safetensors total for meta-llama/Llama-3.2-1B(-Instruct) (1235814400, tied head counted once).',
  },
  {
    id: 'meta-llama/Llama-3.2-3B',
    aliases: ['meta-llama/Llama-3.2-3B-Instruct'],
    family: 'llama',
    hidden_size: 3072,
    intermediate_size: 8192,
    num_layers: 28,
    num_heads: 24,
    num_kv_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: true,
    published_params: 3_212_749_824,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'llama3_2_3b'. " +
      'published_params: HF hub safetensors BF16 parameter count for meta-llama/Llama-3.2-3B-Instruct (3212749824).',
  },
  {
    id: 'mistralai/Mistral-7B-v0.1',
    aliases: ['mistralai/Mistral-7B-Instruct-v0.1'],
    family: 'llama',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 8,
    vocab_size: 32000,
    max_position_embeddings: 32768,
    tie_word_embeddings: false,
    published_params: 7_241_732_096,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'mistral_7b'. Sliding window 4096 is ignored (no effect on memory in v1). " +
      'published_params: GGUF general.parameter_count of Mistral-7B conversions (7241732096).',
  },
];
