/**
 * Parameter counts from the architecture, module by module, in Hugging Face module layouts.
 *
 * Sources (the module shapes reproduced here):
 * - transformers/models/gpt2/modeling_gpt2.py: GPT2LMHeadModel (wte, wpe, per block ln_1, attn.c_attn Conv1D h→3h,
 *   attn.c_proj Conv1D h→h, ln_2, mlp.c_fc Conv1D h→ffn, mlp.c_proj Conv1D ffn→h, all with bias; ln_f; lm_head tied to wte).
 * - transformers/models/llama/modeling_llama.py: LlamaForCausalLM (embed_tokens, per layer input_layernorm,
 *   q/k/v/o_proj without bias (q/k/v with bias when `qkv_bias`, as Qwen2), post_attention_layernorm,
 *   gate/up/down_proj, final norm, lm_head untied unless tie_word_embeddings). RMSNorm has a weight only.
 * - transformers/models/opt/modeling_opt.py: OPTForCausalLM (embed_tokens, OPTLearnedPositionalEmbedding with
 *   max_position_embeddings + 2 rows (offset 2), per layer self_attn_layer_norm, q/k/v/out_proj with bias,
 *   final_layer_norm, fc1/fc2 with bias; decoder final_layer_norm; lm_head tied).
 * - LoRA: peft/tuners/lora/layer.py LoraLayer.update_layer: lora_A in→r and lora_B r→out, no bias, so r·(in+out)
 *   per targeted module. Target matching as peft/tuners/tuners_utils.py check_target_module_exists: a module
 *   matches a target when its full name equals it or ends with "." + target; "all-linear" targets every
 *   linear/Conv1D layer except the output layer (lm_head).
 */
import type { ModelArch, PeftConfig } from './types';

/** One linear (nn.Linear or GPT-2 Conv1D) module of a decoder layer or the LM head. */
export interface LinearModule {
  /** Name relative to the layer ("attn.c_attn", "self_attn.q_proj", "mlp.down_proj") or "lm_head". */
  name: string;
  in: number;
  out: number;
  bias: boolean;
}

export interface ParamCount {
  total: number;
  trainable: number;
  by_module: {
    embeddings: number;
    /** All decoder layers together. */
    layers: number;
    per_layer: number;
    final_norm: number;
    /** 0 when tied to the input embedding (counted once, under embeddings). */
    lm_head: number;
    /** LoRA adapter parameters (all trainable). */
    lora: number;
  };
}

export function headDim(arch: ModelArch): number {
  return arch.hidden_size / arch.num_heads;
}

/** The linear modules of one decoder layer, in forward order. */
export function layerLinears(arch: ModelArch): LinearModule[] {
  const h = arch.hidden_size;
  const f = arch.intermediate_size;
  const q = arch.num_heads * headDim(arch);
  const kv = arch.num_kv_heads * headDim(arch);
  switch (arch.family) {
    case 'gpt2':
      return [
        { name: 'attn.c_attn', in: h, out: 3 * h, bias: true },
        { name: 'attn.c_proj', in: h, out: h, bias: true },
        { name: 'mlp.c_fc', in: h, out: f, bias: true },
        { name: 'mlp.c_proj', in: f, out: h, bias: true },
      ];
    case 'llama': {
      const b = arch.qkv_bias === true;
      return [
        { name: 'self_attn.q_proj', in: h, out: q, bias: b },
        { name: 'self_attn.k_proj', in: h, out: kv, bias: b },
        { name: 'self_attn.v_proj', in: h, out: kv, bias: b },
        { name: 'self_attn.o_proj', in: q, out: h, bias: false },
        { name: 'mlp.gate_proj', in: h, out: f, bias: false },
        { name: 'mlp.up_proj', in: h, out: f, bias: false },
        { name: 'mlp.down_proj', in: f, out: h, bias: false },
      ];
    }
    case 'opt':
      return [
        { name: 'self_attn.q_proj', in: h, out: h, bias: true },
        { name: 'self_attn.k_proj', in: h, out: h, bias: true },
        { name: 'self_attn.v_proj', in: h, out: h, bias: true },
        { name: 'self_attn.out_proj', in: h, out: h, bias: true },
        { name: 'fc1', in: h, out: f, bias: true },
        { name: 'fc2', in: f, out: h, bias: true },
      ];
  }
}

export function lmHeadModule(arch: ModelArch): LinearModule {
  return { name: 'lm_head', in: arch.hidden_size, out: arch.vocab_size, bias: false };
}

/** Parameters of one normalisation layer: LayerNorm has weight and bias, LlamaRMSNorm a weight only. */
function normParams(arch: ModelArch): number {
  return arch.family === 'llama' ? arch.hidden_size : 2 * arch.hidden_size;
}

function linearParams(m: LinearModule): number {
  return m.in * m.out + (m.bias ? m.out : 0);
}

/** Rows of the learned position table: GPT-2 n_positions; OPT adds its offset of 2; LLaMA (RoPE) has none. */
function positionRows(arch: ModelArch): number {
  if (arch.family === 'gpt2') return arch.max_position_embeddings;
  if (arch.family === 'opt') return arch.max_position_embeddings + 2;
  return 0;
}

/** Whether a module (full name relative to the layer, or "lm_head") is a LoRA target, per PEFT's suffix rule. */
export function isLoraTarget(name: string, peft: PeftConfig | null | undefined): boolean {
  if (!peft) return false;
  return peft.targets.some((t) =>
    t === 'all-linear' ? name !== 'lm_head' : name === t || name.endsWith('.' + t),
  );
}

/** LoRA adapter parameter count of one module: r·(in + out). */
export function loraParams(m: LinearModule, r: number): number {
  return r * (m.in + m.out);
}

export function countParams(arch: ModelArch, peft?: PeftConfig | null): ParamCount {
  const h = arch.hidden_size;
  const linears = layerLinears(arch);
  const perLayer = linears.reduce((n, m) => n + linearParams(m), 0) + 2 * normParams(arch);
  const embeddings = (arch.vocab_size + positionRows(arch)) * h;
  const lmHead = arch.tie_word_embeddings ? 0 : arch.vocab_size * h;
  const finalNorm = normParams(arch);
  const layers = perLayer * arch.num_layers;
  const perLayerLora = linears
    .filter((m) => isLoraTarget(m.name, peft))
    .reduce((n, m) => n + loraParams(m, peft?.r ?? 0), 0);
  const lmHeadLora = isLoraTarget('lm_head', peft) ? loraParams(lmHeadModule(arch), peft?.r ?? 0) : 0;
  const lora = perLayerLora * arch.num_layers + lmHeadLora;
  const base = embeddings + layers + finalNorm + lmHead;
  return {
    total: base + lora,
    trainable: peft ? lora : base,
    by_module: { embeddings, layers, per_layer: perLayer, final_norm: finalNorm, lm_head: lmHead, lora },
  };
}

/**
 * Number of trainable parameter tensors (weights and biases are separate tensors; tied weights once).
 * PyTorch's AdamW keeps one 4-byte fp32 `step` tensor per parameter tensor (torch/optim/adamw.py _init_group).
 */
export function trainableTensorCount(arch: ModelArch, peft?: PeftConfig | null): number {
  const linears = layerLinears(arch);
  if (peft) {
    const perLayer = linears.filter((m) => isLoraTarget(m.name, peft)).length;
    return 2 * (perLayer * arch.num_layers + (isLoraTarget('lm_head', peft) ? 1 : 0));
  }
  const normTensors = arch.family === 'llama' ? 1 : 2;
  const perLayer = linears.reduce((n, m) => n + (m.bias ? 2 : 1), 0) + 2 * normTensors;
  const embeddings = arch.family === 'llama' ? 1 : 2;
  return perLayer * arch.num_layers + embeddings + normTensors + (arch.tie_word_embeddings ? 0 : 1);
}
