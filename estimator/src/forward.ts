/**
 * The forward pass of a causal LM replayed on a Tape (see tape.ts) to count what autograd saves: embeddings, the
 * decoder layers (each family's ops in decoder-layers.ts), final norm, LM head and loss, with gradient checkpointing.
 *
 * - Gradient checkpointing (torch.utils.checkpoint, use_reentrant=True, one segment per decoder layer as HF
 *   GradientCheckpointingLayer): a layer saves only its inputs; its ops run under no_grad. With PEFT, HF calls
 *   enable_input_require_grads() so the embedding output requires grad. Selective checkpointing recomputes only
 *   the eager attention core (DecoderLayers.attention).
 * - Prompt tokens and k-bit preparation: effectiveSpec; prompt encoders in peft.ts recordPromptEncoder.
 */
import { DecoderLayers, GPT2_DROPOUT } from './decoder-layers';
import { headDim, layerLinears, lmHeadModule } from './params';
import { recordPromptEncoder, virtualTokens } from './peft';
import type { PrecisionPlan } from './precision';
import { Tape, type Tensor } from './tape';
import type { Attention, ModelArch, PeftConfig, QuantizationConfig } from './types';

export interface ForwardSpec {
  arch: ModelArch;
  batch: number;
  seq: number;
  plan: PrecisionPlan;
  attention: Attention;
  peft: PeftConfig | null;
  grad_checkpointing: boolean;
  /** 'selective' (with grad_checkpointing): only the eager attention core is recomputed. */
  checkpointing_mode?: 'full' | 'selective';
  quantization?: QuantizationConfig;
}

export interface ForwardCount {
  tape: Tape;
  /** With checkpointing, bytes saved by one decoder layer when not checkpointed (the layer recomputed during backward); else 0. */
  recompute_layer_bytes: number;
  /** Autocast weight casts that recomputing one layer creates and saves (0 without checkpointing). */
  recompute_layer_cast_bytes: number;
  /** Bytes of the half copies autocast caches for trainable leaf weights during the forward. */
  cached_cast_bytes: number;
  /** Largest transient one module needs while it runs (quantized weight dequantized, DoRA weight norm). */
  module_transient_bytes: number;
  logits: Tensor;
  /** Decoder layers replayed op by op (2 or 3 of a model's layers; the others repeat the last one's record). */
  replayed_layers: number;
}

/** Replays embedding, every decoder layer, final norm, LM head and the HF causal-LM loss. */
export function countForward(input: ForwardSpec): ForwardCount {
  const spec = effectiveSpec(input);
  const selective = spec.grad_checkpointing && spec.checkpointing_mode === 'selective';
  const layerCheckpoints = spec.grad_checkpointing && !selective;
  const tape = new Tape(spec.plan.autocast);
  const p = new DecoderLayers(tape, spec, selective);
  const { arch, batch, seq } = spec;
  const h = arch.hidden_size;
  const tokens = batch * seq;
  const promptLearning = ['prompt', 'p-tuning'].includes(spec.peft?.method ?? '');
  const needsInputGrad = (spec.peft !== null && layerCheckpoints) || promptLearning;

  // embeddings
  tape.phase = 'embed';
  const ids = tape.tensor(tokens, 'i64', false);
  let x = tape.embedding(ids, tokens * h, p.trainBase, p.resid);
  if (arch.family !== 'llama') {
    const pos = tape.tensor(arch.family === 'gpt2' ? seq : tokens, 'i64', false);
    x = tape.add(x, tape.embedding(pos, tokens * h, p.trainBase, p.resid));
  }
  recordPromptEncoder(tape, spec);
  if (needsInputGrad) x = tape.tensor(x.numel, x.dtype, true);
  if (arch.family === 'gpt2') x = tape.dropout(x, GPT2_DROPOUT);

  // rotary tables (built once per forward, in the hidden-state dtype) and the eager 4-D causal mask
  const rotNumel = seq * headDim(arch);
  const rot: [Tensor, Tensor] = [tape.tensor(rotNumel, p.resid, false), tape.tensor(rotNumel, p.resid, false)];
  const mask = tape.tensor(batch * seq * (seq + p.prefix), p.resid, false);
  const hasMask = arch.family !== 'gpt2' && spec.attention === 'eager';

  /** Decoder layer i of the model's family, run by `layers` (the forward's, or the scratch ones of a recomputation). */
  const runLayer = (layers: DecoderLayers, inp: Tensor, i: number): Tensor => {
    const name = `layers.${i}`;
    if (arch.family === 'gpt2') return layers.gpt2Layer(inp, name);
    if (arch.family === 'llama') return layers.llamaLayer(inp, name, rot, mask);
    return layers.optLayer(inp, name, mask);
  };

  /** Decoder layer i as the forward runs it; under full checkpointing it saves only its inputs. */
  const step = (inp: Tensor, i: number): Tensor => {
    tape.phase = `layers[${i}]`;
    if (!layerCheckpoints) return runLayer(p, inp, i);
    // CheckpointFunction.forward saves its tensor inputs: the hidden states, plus (once) the causal mask
    // and the int64 cache positions that HF passes to every layer
    tape.save(inp);
    if (i === 0) {
      tape.save(tape.tensor(seq, 'i64', false));
      if (hasMask) tape.save(mask);
    }
    tape.recording = false;
    runLayer(p, inp, i);
    tape.recording = true;
    return tape.tensor(inp.numel, inp.dtype, inp.rg);
  };

  // The decoder layers run the same ops, yet the first ones may save differently: layer 0 alone saves the cache
  // positions under checkpointing, its input may not require grad, and the first layer whose input requires grad
  // saves the shared rotary tables. Once a layer (after layer 0) saved only tensors it made or its input, which no
  // layer before it saved, and hands on a hidden state of its input's size, dtype and requires-grad, each later
  // layer would save the same bytes again (weight keys name their layer, so its casts are new too): those layers
  // repeat its record instead of being replayed.
  let replayed = 0;
  let steady: string | undefined;
  for (let i = 0; i < arch.num_layers; i++) {
    if (steady) {
      tape.repeatPhase(steady, `layers[${i}]`);
      x = tape.tensor(x.numel, x.dtype, x.rg);
      continue;
    }
    const input = x;
    const inputSaved = tape.isSaved(input);
    const before = tape.mark();
    x = step(input, i);
    replayed++;
    const same = i > 0 && !inputSaved && !tape.isSaved(x) && x.numel === input.numel && x.dtype === input.dtype && x.rg === input.rg;
    if (same && tape.savedSince(before).every((id) => id >= before.id || id === input.id)) steady = tape.phase;
  }

  // one layer as recomputed in backward (its input requires grad there); only checkpointing recomputes, and its
  // module transient is the one every layer of the forward reached already
  let recompute = { bytes: 0, cast_bytes: 0 };
  if (spec.grad_checkpointing) {
    const scratch = new Tape(spec.plan.autocast);
    const scratchLayers = new DecoderLayers(scratch, spec);
    runLayer(scratchLayers, scratch.tensor(tokens * h, x.dtype, true), Math.min(1, arch.num_layers - 1));
    // selective recomputation redoes only the attention core, which casts no weights
    recompute = { bytes: selective ? scratchLayers.coreBytes : scratch.bytes(), cast_bytes: selective ? 0 : scratch.castBytes() };
  }

  tape.phase = 'final_norm';
  const normed = arch.family === 'llama' ? p.rmsNorm(x) : tape.layerNorm(x, tokens, p.trainNorms);
  tape.phase = 'lm_head';
  const logits = p.linear(normed, 'model', lmHeadModule(arch));

  // transformers/loss/loss_utils.py ForCausalLMLoss: logits.float(), labels padded and shifted (int64, one per
  // token), cross_entropy = log_softmax (saves its fp32 result) + nll_loss (saves target and a 0-dim total_weight)
  tape.phase = 'loss';
  const logp = tape.savesResult(tape.cast(logits, 'f32'));
  if (logp.rg) tape.save(tape.tensor(tokens, 'i64', false), tape.tensor(1, 'f32', false));

  return {
    tape,
    recompute_layer_bytes: recompute.bytes,
    recompute_layer_cast_bytes: recompute.cast_bytes,
    cached_cast_bytes: spec.plan.autocast && p.trainBase && !spec.quantization ? cachedCasts(arch) : 0,
    module_transient_bytes: p.moduleTransient,
    logits,
    replayed_layers: replayed,
  };
}

/** Autocast caches a half copy of every trainable fp32 leaf weight it casts (torch autocast weight cache). */
function cachedCasts(arch: ModelArch): number {
  const perLayer = layerLinears(arch).reduce((n, m) => n + m.in * m.out, 0);
  const head = lmHeadModule(arch);
  return 2 * (perLayer * arch.num_layers + head.in * head.out);
}

/**
 * The spec the replay runs: prompt and P-tuning lengthen every sequence by their virtual tokens (PEFT
 * PeftModelForCausalLM.forward concatenates the prompts before inputs_embeds and pads labels with -100);
 * prepare_model_for_kbit_training upcasts embeddings and norms to fp32, so the residual stream is fp32.
 */
function effectiveSpec(spec: ForwardSpec): ForwardSpec {
  const method = spec.peft?.method;
  const seq = method === 'prompt' || method === 'p-tuning' ? spec.seq + virtualTokens(spec.peft) : spec.seq;
  const plan = spec.quantization?.kbit_prepared ? { ...spec.plan, param: 'f32' as const } : spec.plan;
  return { ...spec, seq, plan };
}
