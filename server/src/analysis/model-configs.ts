/**
 * Hugging Face config classes written as literals in scripts (`LlamaConfig(hidden_size=512, ...)`):
 * their keyword names and defaults, mapped onto ModelArch. Defaults are those of the transformers
 * source files named per class (configuration_<model>.py, `__init__` signature).
 */
import type { ModelArch, ModelFamily } from '../../../estimator/src/types';

type ArchKey = 'hidden_size' | 'intermediate_size' | 'num_layers' | 'num_heads' | 'num_kv_heads'
  | 'vocab_size' | 'max_position_embeddings' | 'tie_word_embeddings';

export interface ConfigClass {
  family: ModelFamily;
  /** Python keyword → ModelArch field. */
  keys: Record<string, ArchKey>;
  defaults: Omit<ModelArch, 'id' | 'family' | 'source'>;
  /** Fields derived from others when not given (GPT-2's n_inner = 4·n_embd, kv heads = heads). */
  derive(arch: ModelArch, given: Set<ArchKey>): void;
  source: string;
}

const LLAMA_KEYS: Record<string, ArchKey> = {
  hidden_size: 'hidden_size', intermediate_size: 'intermediate_size', num_hidden_layers: 'num_layers',
  num_attention_heads: 'num_heads', num_key_value_heads: 'num_kv_heads', vocab_size: 'vocab_size',
  max_position_embeddings: 'max_position_embeddings', tie_word_embeddings: 'tie_word_embeddings',
};

const kvFromHeads = (arch: ModelArch, given: Set<ArchKey>) => {
  if (!given.has('num_kv_heads')) arch.num_kv_heads = arch.num_heads;
};

export const CONFIG_CLASSES: Record<string, ConfigClass> = {
  GPT2Config: {
    family: 'gpt2',
    keys: {
      n_embd: 'hidden_size', n_inner: 'intermediate_size', n_layer: 'num_layers', n_head: 'num_heads',
      vocab_size: 'vocab_size', n_positions: 'max_position_embeddings', tie_word_embeddings: 'tie_word_embeddings',
    },
    defaults: {
      hidden_size: 768, intermediate_size: 3072, num_layers: 12, num_heads: 12, num_kv_heads: 12,
      vocab_size: 50257, max_position_embeddings: 1024, tie_word_embeddings: true,
    },
    derive(arch, given) {
      if (!given.has('intermediate_size')) arch.intermediate_size = 4 * arch.hidden_size;
      arch.num_kv_heads = arch.num_heads;
    },
    source: 'transformers/models/gpt2/configuration_gpt2.py (n_inner=None means 4·n_embd in GPT2MLP)',
  },
  LlamaConfig: {
    family: 'llama',
    keys: LLAMA_KEYS,
    defaults: {
      hidden_size: 4096, intermediate_size: 11008, num_layers: 32, num_heads: 32, num_kv_heads: 32,
      vocab_size: 32000, max_position_embeddings: 2048, tie_word_embeddings: false,
    },
    derive: kvFromHeads,
    source: 'transformers/models/llama/configuration_llama.py',
  },
  MistralConfig: {
    family: 'llama',
    keys: LLAMA_KEYS,
    defaults: {
      hidden_size: 4096, intermediate_size: 14336, num_layers: 32, num_heads: 32, num_kv_heads: 8,
      vocab_size: 32000, max_position_embeddings: 4096 * 32, tie_word_embeddings: false,
    },
    derive: () => {},
    source: 'transformers/models/mistral/configuration_mistral.py',
  },
  OPTConfig: {
    family: 'opt',
    keys: {
      hidden_size: 'hidden_size', ffn_dim: 'intermediate_size', num_hidden_layers: 'num_layers',
      num_attention_heads: 'num_heads', vocab_size: 'vocab_size', max_position_embeddings: 'max_position_embeddings',
      tie_word_embeddings: 'tie_word_embeddings',
    },
    defaults: {
      hidden_size: 768, intermediate_size: 3072, num_layers: 12, num_heads: 12, num_kv_heads: 12,
      vocab_size: 50272, max_position_embeddings: 2048, tie_word_embeddings: true,
    },
    derive: (arch) => { arch.num_kv_heads = arch.num_heads; },
    source: 'transformers/models/opt/configuration_opt.py',
  },
};

/** Model classes that are constructed directly from a config: `LlamaForCausalLM(config)`. */
export const MODEL_CLASSES = ['GPT2LMHeadModel', 'LlamaForCausalLM', 'MistralForCausalLM', 'OPTForCausalLM', 'AutoModelForCausalLM'];
