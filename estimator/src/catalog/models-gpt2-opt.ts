/**
 * GPT-2 and OPT catalog entries. Architecture numbers carry over from
 * /work/shared/reference/model-catalog.json (its `source` text is kept in each entry's `source`);
 * see ./models.ts for the inclusion rules and what was skipped.
 */
import type { ModelArch } from '../types';

/**
 * tie_word_embeddings: the reference catalog leaves it null for GPT-2 and OPT. Both tie:
 * transformers' GPT2Config and OPTConfig default tie_word_embeddings=True and neither hub config
 * overrides it, so GPT2LMHeadModel.lm_head / OPTForCausalLM.lm_head share the input embedding.
 */
const TIE_NOTE = 'tie_word_embeddings: transformers GPT2Config/OPTConfig default (True), not overridden in the hub config.json';

/** Published totals for GPT-2 are transformers GPT2LMHeadModel.num_parameters() (tied head counted once). */
export const GPT2_OPT_MODELS: ModelArch[] = [
  {
    id: 'gpt2',
    aliases: ['openai-community/gpt2'],
    family: 'gpt2',
    hidden_size: 768,
    intermediate_size: 3072,
    num_layers: 12,
    num_heads: 12,
    num_kv_heads: 12,
    vocab_size: 50257,
    max_position_embeddings: 1024,
    tie_word_embeddings: true,
    published_params: 124_439_808,
    source:
      "mlc-ai/mlc-llm python/mlc_llm/model/model_preset.py (copy of HF config.json), key 'gpt2'; intermediate from " +
      'cli99/llm-analysis model_configs/gpt2.json ffn_embed_dim (n_inner null => 4*hidden). ' +
      'published_params: transformers GPT2LMHeadModel.num_parameters() for gpt2 (the 124M model), as printed in many public notebooks. ' +
      TIE_NOTE,
  },
  {
    id: 'gpt2-medium',
    aliases: ['openai-community/gpt2-medium'],
    family: 'gpt2',
    hidden_size: 1024,
    intermediate_size: 4096,
    num_layers: 24,
    num_heads: 16,
    num_kv_heads: 16,
    vocab_size: 50257,
    max_position_embeddings: 1024,
    tie_word_embeddings: true,
    published_params: 354_823_168,
    source:
      "mlc-ai/mlc-llm model_preset.py key 'gpt2_medium'; intermediate from cli99/llm-analysis gpt2-medium.json. " +
      'published_params: KerasHub gpt2_medium_en preset "params" (= GPT2LMHeadModel.num_parameters()). ' +
      TIE_NOTE,
  },
  {
    id: 'gpt2-large',
    aliases: ['openai-community/gpt2-large'],
    family: 'gpt2',
    hidden_size: 1280,
    intermediate_size: 5120,
    num_layers: 36,
    num_heads: 20,
    num_kv_heads: 20,
    vocab_size: 50257,
    max_position_embeddings: 1024,
    tie_word_embeddings: true,
    published_params: 774_030_080,
    source:
      'cli99/llm-analysis model_configs/gpt2-large.json; RahulSChand/gpu_poor public/all_configs.json. ' +
      'published_params: GPT2LMHeadModel.num_parameters() for gpt2-large as quoted in public code (per-size parameter tables). ' +
      TIE_NOTE,
  },
  {
    id: 'gpt2-xl',
    aliases: ['openai-community/gpt2-xl'],
    family: 'gpt2',
    hidden_size: 1600,
    intermediate_size: 6400,
    num_layers: 48,
    num_heads: 25,
    num_kv_heads: 25,
    vocab_size: 50257,
    max_position_embeddings: 1024,
    tie_word_embeddings: true,
    published_params: 1_557_611_200,
    source:
      'cli99/llm-analysis model_configs/gpt2-xl.json; RahulSChand/gpu_poor public/all_configs.json. ' +
      'published_params: KerasHub gpt2_extra_large_en preset "params" (= GPT2LMHeadModel.num_parameters()). ' +
      TIE_NOTE,
  },
  {
    id: 'facebook/opt-125m',
    family: 'opt',
    hidden_size: 768,
    intermediate_size: 3072,
    num_layers: 12,
    num_heads: 12,
    num_kv_heads: 12,
    vocab_size: 50272,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
    published_params: 125_239_296,
    source:
      'cli99/llm-analysis model_configs/facebook_opt-125m.json. ' +
      'published_params: OPTForCausalLM.num_parameters() for opt-125m as listed for its copies (e.g. peft-internal-testing/opt-125m, 0.125239296B). ' +
      TIE_NOTE,
  },
  {
    id: 'facebook/opt-1.3b',
    family: 'opt',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_layers: 24,
    num_heads: 32,
    num_kv_heads: 32,
    vocab_size: 50272,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
    published_params: 1_315_758_080,
    source:
      'cli99/llm-analysis model_configs/facebook_opt-1.3b.json; relu/ffn_dim confirmed in fine-tune configs with ' +
      '_name_or_path facebook/opt-1.3b (huggingface.co). published_params: sum(p.numel()) printed by a DeepSpeed-Chat ' +
      'step-3 memory script whose default actor is facebook/opt-1.3b ("[pre-lora] num params: 1315758080"); matches a ' +
      'hand count of the HF OPT layout. ' +
      TIE_NOTE,
  },
  {
    id: 'facebook/opt-6.7b',
    family: 'opt',
    hidden_size: 4096,
    intermediate_size: 16384,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 32,
    vocab_size: 50272,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
    published_params: 6_658_473_984,
    source:
      'cli99/llm-analysis model_configs/facebook_opt-6.7b.json; relu/ffn_dim confirmed in fine-tune configs with ' +
      '_name_or_path facebook/opt-6.7b (huggingface.co). published_params: OPTForCausalLM.num_parameters() for ' +
      'facebook/opt-6.7b as given in the TrainLens brief; no public page quoting it was found, but a hand count of the HF ' +
      'OPT layout (embed 50272*4096 + positions 2050*4096 + 32 layers * 201,379,840 + final LayerNorm 8192) gives it exactly. ' +
      TIE_NOTE,
  },
  {
    id: 'facebook/opt-13b',
    family: 'opt',
    hidden_size: 5120,
    intermediate_size: 20480,
    num_layers: 40,
    num_heads: 40,
    num_kv_heads: 40,
    vocab_size: 50272,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
    source:
      'cli99/llm-analysis model_configs/facebook_opt-13b.json; relu/ffn_dim confirmed in fine-tune configs with ' +
      '_name_or_path facebook/opt-13b (huggingface.co). No exact published total found. ' +
      TIE_NOTE,
  },
  {
    id: 'facebook/opt-30b',
    family: 'opt',
    hidden_size: 7168,
    intermediate_size: 28672,
    num_layers: 48,
    num_heads: 56,
    num_kv_heads: 56,
    vocab_size: 50272,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
    source:
      'huggingface.co config.json: lucadiliello/opt-30b-deepspeed-inference-fp16-shard-2 (_name_or_path facebook/opt-30b); ' +
      'ArthurZ/opt-30b-sharded. No exact published total found. ' +
      TIE_NOTE,
  },
  {
    id: 'facebook/opt-66b',
    family: 'opt',
    hidden_size: 9216,
    intermediate_size: 36864,
    num_layers: 64,
    num_heads: 72,
    num_kv_heads: 72,
    vocab_size: 50272,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
    source:
      'cli99/llm-analysis model_configs/facebook_opt-66b.json. No exact published total found. ' + TIE_NOTE,
  },
];
