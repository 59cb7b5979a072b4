/**
 * The trainable tensors each PEFT method adds to (or unfreezes in) a base model, for exact trainable counts and
 * per-tensor optimizer state.
 *
 * Sources (shapes reproduced):
 * - LoRA: peft/tuners/lora/layer.py LoraLayer.update_layer: lora_A [r, in] and lora_B [out, r], no bias. Target
 *   matching as peft/tuners/tuners_utils.py check_target_module_exists: a module matches when its name equals
 *   the target or ends with "." + target; "all-linear" is every Linear/Conv1D except the output layer (lm_head).
 * - DoRA (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation", Sec. 4.1; peft/tuners/lora/dora.py
 *   DoraLinearLayer): LoRA plus a trainable magnitude vector of out_features per targeted module.
 * - modules_to_save: peft/utils/other.py ModulesToSaveWrapper keeps the frozen original and a trainable deep copy.
 * - Adapter (Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP", Sec. 2.1): two bottleneck
 *   adapters per layer (after attention and after the feed-forward), each down-projection d→m and
 *   up-projection m→d with biases: 2md + d + m parameters. Default m = d/16 (AdapterHub HoulsbyConfig
 *   reduction_factor=16). The paper also trains layer norms; AdapterHub's train_adapter does not, nor do we.
 * - BitFit (Ben Zaken et al. 2022, "BitFit", Sec. 2): only the bias terms train (every parameter named *bias*,
 *   norm biases included); LLaMA-family models have none.
 * - Prefix tuning (Li & Liang 2021, Sec. 4; peft/tuners/prefix_tuning/model.py PrefixEncoder): an embedding of
 *   num_virtual_tokens × (layers · 2 · token_dim) past keys/values, or with prefix_projection an embedding of
 *   token_dim followed by Linear(token_dim, encoder_hidden) → Tanh → Linear(encoder_hidden, layers · 2 · token_dim).
 *   token_dim = hidden, or head_dim · num_key_value_heads for models whose config has num_key_value_heads
 *   (peft/utils/other.py _prepare_prompt_learning_config, "For grouped-query attention, see #1901").
 * - P-tuning (Liu et al. 2021, "GPT Understands, Too"; peft/tuners/p_tuning/model.py PromptEncoder, MLP type):
 *   Embedding(virtual tokens, hidden), then Linear(h, e) → ReLU → Linear(e, e) → ReLU → Linear(e, h);
 *   encoder_hidden_size e defaults to token_dim.
 * - Prompt tuning (Lester et al. 2021; peft/tuners/prompt_tuning/model.py PromptEmbedding): Embedding(virtual
 *   tokens, hidden).
 */
import type { ForwardSpec } from './forward';
import type { LinearModule, ParamTensor } from './params';
import type { Tape } from './tape';
import type { ModelArch, PeftConfig } from './types';

/** A trainable tensor: a base tensor left trainable, a PEFT-added one, or a modules_to_save copy. */
export interface TrainableTensor extends ParamTensor {
  origin: 'base' | 'adapter' | 'copy';
  /** LoRA/DoRA A or B matrix (a matmul parameter). */
  lora?: boolean;
}

/** PEFT examples' num_virtual_tokens when a config leaves it out (it is required in PEFT itself). */
export const DEFAULT_VIRTUAL_TOKENS = 20;
/** AdapterHub HoulsbyConfig reduction_factor: bottleneck = hidden / 16. */
const ADAPTER_REDUCTION = 16;

/** Whether a module (name relative to the layer, or "lm_head") is a LoRA target, per PEFT's suffix rule. */
export function isLoraTarget(name: string, peft: PeftConfig | null | undefined): boolean {
  if (!peft || (peft.method !== 'lora' && peft.method !== 'dora')) return false;
  return peft.targets.some((t) => (t === 'all-linear' ? name !== 'lm_head' : name === t || name.endsWith('.' + t)));
}

/** LoRA adapter parameter count of one module: r·(in + out). */
export function loraParams(m: LinearModule, r: number): number {
  return r * (m.in + m.out);
}

/** Virtual tokens prepended to the input sequence (prompt tuning, P-tuning); prefix tuning adds them to keys/values only. */
export function virtualTokens(peft: PeftConfig | null | undefined): number {
  if (!peft || !['prefix', 'p-tuning', 'prompt'].includes(peft.method)) return 0;
  return peft.num_virtual_tokens ?? DEFAULT_VIRTUAL_TOKENS;
}

/** Width of one layer's prefix keys (= values): PEFT's token_dim after its GQA adjustment. */
export function prefixTokenDim(arch: ModelArch): number {
  // only LLaMA-layout configs carry num_key_value_heads (GPT-2 and OPT configs do not)
  return arch.family === 'llama' ? (arch.hidden_size / arch.num_heads) * arch.num_kv_heads : arch.hidden_size;
}

/** The linear modules among the base tensors, with in/out (GPT-2 Conv1D stores [in, out]), plus lm_head. */
function linearModules(arch: ModelArch, base: ParamTensor[]): (LinearModule & { count: number })[] {
  const out = base
    .filter((t) => t.kind === 'linear' && t.role === 'weight')
    .map((t) => {
      const conv1d = arch.family === 'gpt2' && t.scope === 'layer';
      const [inF, outF] = conv1d ? [t.shape[0], t.shape[1]] : [t.shape[1], t.shape[0]];
      const bias = base.some((b) => b.module === t.module && b.role === 'bias');
      return { name: t.module, in: inF, out: outF, bias, count: t.count };
    });
  // a tied LM head is still a Linear module (sharing the embedding's weight) that LoRA can target
  if (arch.tie_word_embeddings) out.push({ name: 'lm_head', in: arch.hidden_size, out: arch.vocab_size, bias: false, count: 1 });
  return out;
}

function linear(module: string, inF: number, outF: number, count: number): TrainableTensor[] {
  const w: TrainableTensor = { module, role: 'weight', kind: 'linear', scope: 'model', shape: [outF, inF], count, origin: 'adapter' };
  return [w, { ...w, role: 'bias', shape: [outF] }];
}

function embedding(module: string, rows: number, dim: number): TrainableTensor {
  return { module, role: 'weight', kind: 'embedding', scope: 'model', shape: [rows, dim], count: 1, origin: 'adapter' };
}

function matches(module: string, name: string): boolean {
  return module === name || module.endsWith('.' + name);
}

/** Trainable tensors of a PEFT job (none without PEFT). */
export function peftTensors(arch: ModelArch, peft: PeftConfig | null | undefined, base: ParamTensor[]): TrainableTensor[] {
  if (!peft) return [];
  const h = arch.hidden_size;
  const L = arch.num_layers;
  const out: TrainableTensor[] = [];
  switch (peft.method) {
    case 'lora':
    case 'dora':
      for (const m of linearModules(arch, base).filter((x) => isLoraTarget(x.name, peft))) {
        const scope = m.name === 'lm_head' ? 'model' : 'layer';
        const t = { module: m.name, role: 'weight', kind: 'linear', scope, count: m.count, origin: 'adapter', lora: true } as const;
        out.push({ ...t, module: `${m.name}.lora_A`, shape: [peft.r, m.in] }, { ...t, module: `${m.name}.lora_B`, shape: [m.out, peft.r] });
        if (peft.method === 'dora') out.push({ ...t, module: `${m.name}.lora_magnitude_vector`, shape: [m.out], lora: false });
      }
      break;
    case 'adapter': {
      const m = peft.bottleneck_size ?? Math.floor(h / ADAPTER_REDUCTION);
      for (const where of ['attention', 'output']) {
        out.push(...linear(`adapter_${where}.down`, h, m, L), ...linear(`adapter_${where}.up`, m, h, L));
      }
      break;
    }
    case 'bitfit':
      out.push(...base.filter((t) => t.role === 'bias').map((t) => ({ ...t, origin: 'base' as const })));
      break;
    case 'prefix': {
      const p = virtualTokens(peft);
      const td = prefixTokenDim(arch);
      if (peft.prefix_projection) {
        const e = peft.encoder_hidden_size ?? td;
        out.push(embedding('prefix_encoder.embedding', p, td), ...linear('prefix_encoder.transform.0', td, e, 1));
        out.push(...linear('prefix_encoder.transform.2', e, L * 2 * td, 1));
      } else {
        out.push(embedding('prefix_encoder.embedding', p, L * 2 * td));
      }
      break;
    }
    case 'p-tuning': {
      const e = peft.encoder_hidden_size ?? h;
      out.push(embedding('prompt_encoder.embedding', virtualTokens(peft), h));
      out.push(...linear('prompt_encoder.mlp_head.0', h, e, 1), ...linear('prompt_encoder.mlp_head.2', e, e, 1));
      out.push(...linear('prompt_encoder.mlp_head.4', e, h, 1));
      break;
    }
    case 'prompt':
      out.push(embedding('prompt_encoder.embedding', virtualTokens(peft), h));
      break;
  }
  for (const name of peft.modules_to_save ?? []) {
    const copies = base.filter((t) => matches(t.module, name));
    // modules_to_save=["lm_head"] on a tied model copies the shared matrix into an untied trainable head
    if (copies.length === 0 && name === 'lm_head' && arch.tie_word_embeddings) {
      copies.push({ module: 'lm_head', role: 'weight', kind: 'linear', scope: 'model', shape: [arch.vocab_size, h], count: 1 });
    }
    out.push(...copies.map((t) => ({ ...t, origin: 'copy' as const })));
  }
  return out;
}

/** Notes on what a PEFT configuration trains, for the estimate's notes. */
export function peftNotes(arch: ModelArch, peft: PeftConfig | null | undefined, base: ParamTensor[]): string[] {
  if (!peft) return [];
  const notes: string[] = [];
  if (peft.method === 'bitfit' && !base.some((t) => t.role === 'bias')) {
    notes.push(`BitFit: ${arch.id} has no bias parameters (LLaMA-style layers are bias-free), so nothing trains.`);
  }
  if (['prefix', 'p-tuning', 'prompt'].includes(peft.method) && peft.num_virtual_tokens === undefined) {
    notes.push(`${peft.method}: num_virtual_tokens not set; assumed ${DEFAULT_VIRTUAL_TOKENS}.`);
  }
  if (peft.method === 'adapter' && peft.bottleneck_size === undefined) {
    notes.push(`Adapter: bottleneck size not set; assumed hidden/${ADAPTER_REDUCTION} = ${Math.floor(arch.hidden_size / ADAPTER_REDUCTION)} (AdapterHub reduction_factor 16).`);
  }
  if ((peft.method === 'lora' || peft.method === 'dora') && !linearModules(arch, base).some((m) => isLoraTarget(m.name, peft))) {
    notes.push(`LoRA: no module of ${arch.family} layout matches target_modules ${JSON.stringify(peft.targets)}; nothing trains.`);
  }
  return notes;
}

/**
 * Activations of the prompt-learning encoders (PEFT get_prompt), in phase "embed": the Embedding saves its int64
 * indices; P-tuning's MLP (Linear → ReLU → Linear → ReLU → Linear) and prefix tuning's projection
 * (Linear → Tanh → Linear) save their inputs and activation results. Prefix tuning's past keys/values
 * (batch · tokens · layers · 2 · token_dim, in the model dtype) stay referenced by the cache the model returns.
 */
export function recordPromptEncoder(tape: Tape, spec: ForwardSpec): void {
  const peft = spec.peft;
  if (!peft || !['prefix', 'p-tuning', 'prompt'].includes(peft.method)) return;
  const { arch, batch } = spec;
  const rows = batch * virtualTokens(peft);
  tape.save(tape.tensor(rows, 'i64', false));
  // each Linear saves its input; ReLU and Tanh save their result (the next Linear's input: one tensor)
  const mlp = (dims: number[]): void => {
    let x = tape.tensor(rows * dims[0], 'f32', true);
    for (let i = 1; i < dims.length; i++) {
      tape.save(x);
      x = tape.tensor(rows * dims[i], 'f32', true);
      if (i < dims.length - 1) x = tape.savesResult(x);
    }
  };
  const h = arch.hidden_size;
  if (peft.method === 'p-tuning') {
    const e = peft.encoder_hidden_size ?? h;
    mlp([h, e, e, h]);
  } else if (peft.method === 'prefix') {
    const td = prefixTokenDim(arch);
    if (peft.prefix_projection) mlp([td, peft.encoder_hidden_size ?? td, arch.num_layers * 2 * td]);
    tape.save(tape.tensor(rows * arch.num_layers * 2 * td, spec.plan.param, true));
  }
}
