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
 * PEFT tensors (LoRA, DoRA, adapters, prompt encoders, modules_to_save copies) come from peft.ts.
 */
import { boundedMemo } from './memo';
import { peftTensors, type TrainableTensor } from './peft';
import { moeLayerParams, moeTensors } from './sharding/moe';
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
    /** LoRA/DoRA A and B matrices (matmul parameters, all trainable). */
    lora: number;
    /** Every parameter a PEFT method adds: LoRA/DoRA (incl. DoRA magnitudes), adapters, prompt encoders. */
    peft: number;
    /** Trainable copies PEFT makes of `modules_to_save` (the frozen originals stay in the base count). */
    modules_to_save: number;
  };
}

/**
 * One parameter tensor of the base model, or `count` identical ones (one per decoder layer). `module` is the
 * name relative to a decoder layer for layer tensors, the HF attribute name for model-level ones.
 */
export interface ParamTensor {
  module: string;
  role: 'weight' | 'bias';
  kind: 'linear' | 'embedding' | 'norm';
  scope: 'layer' | 'model';
  /** Shape as PyTorch stores it (nn.Linear [out, in], GPT-2 Conv1D [in, out], nn.Embedding [rows, dim]). */
  shape: number[];
  count: number;
}

export function numel(t: { shape: number[] }): number {
  return t.shape.reduce((a, b) => a * b, 1);
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

/** Rows of the learned position table: GPT-2 n_positions; OPT adds its offset of 2; LLaMA (RoPE) has none. */
function positionRows(arch: ModelArch): number {
  if (arch.family === 'gpt2') return arch.max_position_embeddings;
  if (arch.family === 'opt') return arch.max_position_embeddings + 2;
  return 0;
}

/** Attribute names of the model-level modules: input embedding(s), final norm. */
function modelModuleNames(arch: ModelArch): { embed: string; pos?: string; norm: string } {
  if (arch.family === 'gpt2') return { embed: 'wte', pos: 'wpe', norm: 'ln_f' };
  if (arch.family === 'opt') return { embed: 'embed_tokens', pos: 'embed_positions', norm: 'final_layer_norm' };
  return { embed: 'embed_tokens', norm: 'norm' };
}

/** Norm module names of one decoder layer, in forward order. */
function layerNormNames(arch: ModelArch): [string, string] {
  if (arch.family === 'gpt2') return ['ln_1', 'ln_2'];
  if (arch.family === 'opt') return ['self_attn_layer_norm', 'final_layer_norm'];
  return ['input_layernorm', 'post_attention_layernorm'];
}

function normTensors(arch: ModelArch, module: string, scope: 'layer' | 'model', count: number): ParamTensor[] {
  const w: ParamTensor = { module, role: 'weight', kind: 'norm', scope, shape: [arch.hidden_size], count };
  return arch.family === 'llama' ? [w] : [w, { ...w, role: 'bias' }];
}

/** Every parameter tensor of the base model (tied weights once), in the module layouts named at the top. */
export function baseTensors(arch: ModelArch): ParamTensor[] {
  const L = arch.num_layers;
  const names = modelModuleNames(arch);
  const out: ParamTensor[] = [
    { module: names.embed, role: 'weight', kind: 'embedding', scope: 'model', shape: [arch.vocab_size, arch.hidden_size], count: 1 },
  ];
  const posRows = positionRows(arch);
  if (names.pos && posRows > 0) {
    out.push({ module: names.pos, role: 'weight', kind: 'embedding', scope: 'model', shape: [posRows, arch.hidden_size], count: 1 });
  }
  const [norm1, norm2] = layerNormNames(arch);
  const linears = layerLinears(arch);
  const linearTensors = (m: LinearModule): ParamTensor[] => {
    const shape = arch.family === 'gpt2' ? [m.in, m.out] : [m.out, m.in];
    const w: ParamTensor = { module: m.name, role: 'weight', kind: 'linear', scope: 'layer', shape, count: L };
    return m.bias ? [w, { ...w, role: 'bias', shape: [m.out] }] : [w];
  };
  // forward order within a layer: norm, attention linears, norm, MLP linears
  const attn = linears.filter((m) => isAttentionModule(m.name));
  const mlp = linears.filter((m) => !isAttentionModule(m.name));
  out.push(...normTensors(arch, norm1, 'layer', L), ...attn.flatMap(linearTensors));
  // a mixture-of-experts layer has a router and its experts in place of the dense MLP (sharding/moe.ts)
  out.push(...normTensors(arch, norm2, 'layer', L), ...(moeLayerParams(arch) ? moeTensors(arch) : mlp.flatMap(linearTensors)));
  out.push(...normTensors(arch, names.norm, 'model', 1));
  if (!arch.tie_word_embeddings) {
    out.push({ module: 'lm_head', role: 'weight', kind: 'linear', scope: 'model', shape: [arch.vocab_size, arch.hidden_size], count: 1 });
  }
  return out;
}

/** Attention projections (the rest of a layer's linears are the MLP). */
export function isAttentionModule(name: string): boolean {
  return name.startsWith('attn.') || name.startsWith('self_attn.');
}

/**
 * Parameter counts of (model, PEFT), cached for the last few: the planner and each estimate ask again for every
 * candidate job (sharding, FLOPs, the estimate's params). Keyed by every field of the model except those that only
 * describe it (id, aliases, source, published count), which the count never reads. Frozen, being shared.
 */
export const countParams: (arch: ModelArch, peft?: PeftConfig | null) => ParamCount = boundedMemo(
  32,
  ({ id, aliases, source, published_params, ...shape }: ModelArch, peft?: PeftConfig | null) => JSON.stringify([shape, peft ?? null]),
  (arch, peft) => frozen(count(arch, peft)),
);

function frozen(c: ParamCount): ParamCount {
  Object.freeze(c.by_module);
  return Object.freeze(c);
}

function count(arch: ModelArch, peft?: PeftConfig | null): ParamCount {
  const base = baseTensors(arch);
  const sum = (pred: (t: ParamTensor) => boolean) => base.filter(pred).reduce((n, t) => n + numel(t) * t.count, 0);
  const names = modelModuleNames(arch);
  const embeddings = sum((t) => t.kind === 'embedding');
  const layers = sum((t) => t.scope === 'layer');
  const finalNorm = sum((t) => t.scope === 'model' && t.module === names.norm);
  const lmHead = sum((t) => t.module === 'lm_head');
  const baseTotal = embeddings + layers + finalNorm + lmHead;
  const extra = peftTensors(arch, peft, base);
  const lora = extra.filter((t) => t.lora).reduce((n, t) => n + numel(t) * t.count, 0);
  const added = extra.filter((t) => t.origin === 'adapter').reduce((n, t) => n + numel(t) * t.count, 0);
  const copies = extra.filter((t) => t.origin === 'copy').reduce((n, t) => n + numel(t) * t.count, 0);
  const trainable = peft
    ? trainableTensors(arch, peft).reduce((n, t) => n + numel(t) * t.count, 0)
    : baseTotal;
  return {
    total: baseTotal + added + copies,
    trainable,
    by_module: {
      embeddings, layers, per_layer: layers / arch.num_layers, final_norm: finalNorm, lm_head: lmHead,
      lora, peft: added, modules_to_save: copies,
    },
  };
}

/**
 * Trainable parameter tensors of the job: the whole base model without PEFT; with PEFT, what the method adds
 * plus the base tensors it unfreezes (BitFit biases, modules_to_save copies).
 */
export function trainableTensors(arch: ModelArch, peft?: PeftConfig | null): TrainableTensor[] {
  const base = baseTensors(arch);
  if (!peft) return base.map((t) => ({ ...t, origin: 'base' }));
  return peftTensors(arch, peft, base);
}

/**
 * Number of trainable parameter tensors (weights and biases are separate tensors; tied weights once).
 * PyTorch's AdamW keeps one 4-byte fp32 `step` tensor per parameter tensor (torch/optim/adamw.py _init_group).
 */
export function trainableTensorCount(arch: ModelArch, peft?: PeftConfig | null): number {
  return trainableTensors(arch, peft).reduce((n, t) => n + t.count, 0);
}
