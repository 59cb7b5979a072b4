/**
 * torchtune's model builders (`model._component_: torchtune.models.llama3.lora_llama3_8b`) and what
 * they build. Each builder loads the Hugging Face checkpoint of one model family member with
 * FullModelHFCheckpointer, so its architecture is that checkpoint's config.json: the builder names
 * the catalog id. Builder names: torchtune/models/<family>/_model_builders.py (pytorch/torchtune).
 * `lora_*` builders take lora_attn_modules, apply_lora_to_mlp, apply_lora_to_output, lora_rank (8),
 * lora_alpha (16), lora_dropout (0.0), use_dora (False), quantize_base (False); `qlora_*` is the
 * same builder with quantize_base=True.
 */

/** Builder name without its lora_/qlora_ prefix → catalog id of the checkpoint it loads. */
const BUILDERS: Record<string, string> = {
  llama2_7b: 'meta-llama/Llama-2-7b-hf',
  llama2_13b: 'meta-llama/Llama-2-13b-hf',
  llama2_70b: 'meta-llama/Llama-2-70b-hf',
  llama3_8b: 'meta-llama/Meta-Llama-3-8B',
  llama3_70b: 'meta-llama/Meta-Llama-3-70B',
  llama3_1_8b: 'meta-llama/Llama-3.1-8B',
  llama3_1_70b: 'meta-llama/Llama-3.1-70B',
  llama3_1_405b: 'meta-llama/Llama-3.1-405B',
  llama3_2_1b: 'meta-llama/Llama-3.2-1B',
  llama3_2_3b: 'meta-llama/Llama-3.2-3B',
  llama3_3_70b: 'meta-llama/Llama-3.3-70B-Instruct',
  mistral_7b: 'mistralai/Mistral-7B-v0.1',
  // Qwen2.5 base and instruct builders differ only in max_seq_len (torchtune/models/qwen2_5/_model_builders.py)
  qwen2_5_0_5b: 'Qwen/Qwen2.5-0.5B',
  qwen2_5_1_5b: 'Qwen/Qwen2.5-1.5B',
  qwen2_5_3b: 'Qwen/Qwen2.5-3B',
  qwen2_5_7b: 'Qwen/Qwen2.5-7B',
  qwen2_5_14b: 'Qwen/Qwen2.5-14B',
  qwen2_5_32b: 'Qwen/Qwen2.5-32B',
  qwen2_5_72b: 'Qwen/Qwen2.5-72B',
};

export interface TorchtuneBuilder {
  /** The builder's last dotted name ("lora_llama3_8b"). */
  name: string;
  /** Catalog id of the checkpoint it loads; undefined for builders TrainLens does not know. */
  id?: string;
  lora: boolean;
  /** qlora_* builders: quantize_base=True. */
  qlora: boolean;
}

export function torchtuneBuilder(component: string): TorchtuneBuilder {
  const name = component.split('.').pop() ?? component;
  const m = /^(q?lora_)?(.+?)(?:_base|_instruct)?$/.exec(name);
  if (!m) return { name, lora: false, qlora: false };
  return { name, id: Object.hasOwn(BUILDERS, m[2]) ? BUILDERS[m[2]] : undefined, lora: !!m[1], qlora: m[1] === 'qlora_' };
}

/** torchtune's LoRA module names (LORA_ATTN_MODULES, FeedForward w1/w2/w3, output) as the HF names the estimator uses. */
const ATTENTION: Record<string, string> = { q_proj: 'q_proj', k_proj: 'k_proj', v_proj: 'v_proj', output_proj: 'o_proj' };

export function loraTargets(attnModules: string[], mlp: boolean, output: boolean): string[] {
  const targets = attnModules.map((m) => (Object.hasOwn(ATTENTION, m) ? ATTENTION[m] : m));
  // FeedForward(gate_proj=w1, down_proj=w2, up_proj=w3): torchtune/modules/feed_forward.py
  if (mlp) targets.push('gate_proj', 'up_proj', 'down_proj');
  if (output) targets.push('lm_head');
  return targets;
}
