/**
 * Model catalog: decoder-only architectures whose parameter layout TrainLens counts exactly.
 *
 * Data: /work/shared/reference/model-catalog.json (architecture numbers and their `source`, carried over
 * per entry), plus tie_word_embeddings and published totals named in each entry's `source`.
 *
 * Included: rows with all of hidden, intermediate, layers, heads, vocab and max_position_embeddings whose
 * module layout is one of our families:
 *   gpt2  - gpt2, gpt2-medium, gpt2-large, gpt2-xl                       (./models-gpt2-opt.ts)
 *   opt   - facebook/opt-125m, -1.3b, -6.7b, -13b, -30b, -66b           (./models-gpt2-opt.ts)
 *   llama - Llama-2 7B/13B/70B, Llama-3 8B/70B, Llama-3.1 8B/70B, Llama-3.2 1B/3B,
 *           Mistral-7B-v0.1 (sliding window ignored in v1)               (./models-llama.ts)
 *   llama + qkv_bias - Qwen2.5 0.5B/1.5B/3B/7B/14B/32B/72B                (./models-qwen.ts)
 *
 * Skipped, and why:
 *   facebook/opt-350m        word_embed_proj_dim 512 (project_in/project_out around the decoder) and
 *                            do_layer_norm_before=false (no final LayerNorm): not the plain OPT layout.
 *   meta-llama/Llama-3.1-405B, openlm-research/open_llama_7b
 *                            max_position_embeddings missing from the reference rows (incomplete numbers).
 *   EleutherAI/pythia-*      GPT-NeoX layout (fused query_key_value, parallel residual, partial rotary,
 *                            untied embed_out); no max_position_embeddings in the rows either.
 *   bigscience/bloom*        ALiBi, embedding LayerNorm, fused qkv; intermediate missing for 7b1/176B.
 *   mistralai/Mixtral-*, deepseek-ai/DeepSeek-V2-Lite, DeepSeek-V3
 *                            mixture of experts (and MLA attention for DeepSeek).
 *   Qwen/Qwen3-*             q_norm/k_norm per head and head_dim 128 != hidden/heads (e.g. 0.6B: 1024/16).
 *   google/gemma-*, gemma-2-*  head_dim 256 != hidden/heads, embedding scaling, GeGLU; gemma-2 soft-capping
 *                            and extra post-norms; tie flag missing in the rows.
 *   microsoft/phi-2          parallel attention/MLP, partial rotary, biases; intermediate missing.
 *   microsoft/Phi-3-mini-*   fused qkv_proj and gate_up_proj: same counts as Llama but different module
 *                            names, so LoRA targets would be wrong under the 'llama' family.
 *   tiiuae/falcon-*          multi-query/grouped fused attention, parallel attention; numbers incomplete.
 *   THUDM/chatglm3-6b        fused query_key_value with bias, multi_query_group_num, GLM layout.
 *   baichuan-inc/Baichuan2-* W_pack fused qkv and NormHead; 13B uses ALiBi and lacks max positions.
 *   google/flan-t5-*, t5-*   encoder-decoder.
 *   bert-*, roberta-large    encoders.
 */
import type { ModelArch } from '../types';
import { GPT2_OPT_MODELS } from './models-gpt2-opt';
import { LLAMA_MODELS } from './models-llama';
import { QWEN_MODELS } from './models-qwen';

export const MODELS: ModelArch[] = [...GPT2_OPT_MODELS, ...LLAMA_MODELS, ...QWEN_MODELS];

function norm(s: string): string {
  return s.trim().replace(/[\\/]+$/, '').toLowerCase();
}

function lastSegment(s: string): string {
  const parts = s.split(/[\\/]/);
  return parts[parts.length - 1] ?? s;
}

/** A filesystem path rather than a hub id: absolute, relative, home, Windows drive, or deeper than org/name. */
function looksLikeLocalPath(s: string): boolean {
  return /^(\/|\.{1,2}[\\/]|~|[a-z]:[\\/])/i.test(s) || s.includes('\\') || s.split('/').length > 2;
}

function names(m: ModelArch): string[] {
  return [m.id, ...(m.aliases ?? [])];
}

const BY_NAME = new Map<string, ModelArch>();
const BY_LAST_SEGMENT = new Map<string, ModelArch>();
for (const m of MODELS) {
  for (const n of names(m)) {
    BY_NAME.set(norm(n), m);
    BY_LAST_SEGMENT.set(lastSegment(norm(n)), m);
  }
}

/**
 * Find a catalog model by what a user writes in `from_pretrained(...)`. Case-insensitive. Matches, in order:
 * the hub id or an alias ("meta-llama/Llama-2-7b-hf", "openai-community/gpt2"); a bare name equal to the
 * last segment of an id or alias ("Llama-2-7b-hf", "opt-6.7b"); a local directory path whose last
 * segment is such a name ("/models/Llama-2-7b-hf"). A hub id under another org ("someone/Llama-2-7b-hf")
 * is not matched: it may be a different model. HF cache snapshot paths (models--org--name/...) are not handled.
 */
export function findModel(id: string): ModelArch | undefined {
  const key = norm(id);
  if (key === '') return undefined;
  const exact = BY_NAME.get(key);
  if (exact) return exact;
  if (!key.includes('/') && !key.includes('\\')) return BY_LAST_SEGMENT.get(key);
  if (looksLikeLocalPath(key)) return BY_LAST_SEGMENT.get(lastSegment(key));
  return undefined;
}
