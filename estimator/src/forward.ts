/**
 * The forward pass of each model family, replayed op by op on a Tape (see tape.ts) to count what autograd
 * saves. Each program follows the eager Hugging Face implementation it names; with `attention` sdpa/flash the
 * attention core is the fused kernel of Tape.fusedAttention instead of the explicit S×S path.
 *
 * - gpt2: transformers/models/gpt2/modeling_gpt2.py GPT2Block.forward + GPT2Attention._attn (eager:
 *   matmul(q, kᵀ) on copies of the non-contiguous head views, division by a 0-dim tensor, torch.where with the
 *   `bias` causal-mask buffer, softmax, attn_dropout, matmul with v), Conv1D = addmm, NewGELUActivation
 *   (0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))), dropout 0.1 (GPT2Config resid/embd/attn_pdrop defaults).
 * - llama: transformers/models/llama/modeling_llama.py LlamaDecoderLayer.forward, LlamaRMSNorm.forward
 *   (x.to(fp32), pow(2).mean, rsqrt, weight * x.to(input_dtype)), apply_rotary_pos_emb (q·cos + rotate_half(q)·sin),
 *   repeat_kv, eager_attention_forward (matmul·scaling, + causal mask, softmax(dtype=fp32).to(q.dtype),
 *   dropout p=attention_dropout=0), LlamaMLP down(silu(gate(x))·up(x)).
 * - opt: transformers/models/opt/modeling_opt.py OPTDecoderLayer.forward (pre-LN, q/k/v/out_proj,
 *   eager matmul·scaling + mask, softmax(dtype=fp32).to(q.dtype), fc1 → ReLU → fc2, dropout 0.1).
 * - LoRA: peft/tuners/lora/layer.py Linear.forward: result = base(x) + lora_B(lora_A(dropout(x_cast)))·scaling,
 *   x cast to the adapter dtype (PEFT keeps adapters in fp32: autocast_adapter_dtype=True), dropout skipped when 0.
 * - Gradient checkpointing (torch.utils.checkpoint, use_reentrant=True, one segment per decoder layer as HF
 *   GradientCheckpointingLayer): a layer saves only its inputs; its ops run under no_grad. With PEFT, HF calls
 *   enable_input_require_grads() so the embedding output requires grad. Selective checkpointing recomputes only
 *   the eager attention core (Program.attention).
 * - Quantized base linears, DoRA, Houlsby adapters, prefix keys/values and prompt tokens: see the Program methods
 *   and effectiveSpec; prompt encoders in peft.ts recordPromptEncoder.
 */
import { headDim, layerLinears, lmHeadModule, type LinearModule } from './params';
import { isLoraTarget, recordPromptEncoder, virtualTokens } from './peft';
import type { PrecisionPlan } from './precision';
import { quantizedLinearTransient } from './quantization';
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

/** HF config defaults for dropout (GPT2Config resid/embd/attn_pdrop; OPTConfig dropout / attention_dropout). */
const GPT2_DROPOUT = 0.1;
const OPT_DROPOUT = 0.1;

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

class Program {
  readonly tokens: number;
  readonly resid: 'f32' | 'half';
  /** Prefix-tuning virtual tokens prepended to every layer's keys and values. */
  readonly prefix: number;
  /** Bytes the last eager attention core saved while recording (what selective checkpointing recomputes). */
  coreBytes = 0;
  /** Largest per-module transient seen (dequantized weights, DoRA's weight norm). */
  moduleTransient = 0;
  constructor(
    readonly tape: Tape,
    readonly spec: ForwardSpec,
    /** Run the eager attention core without saving (selective checkpointing keeps only q, k, v). */
    readonly selective = false,
  ) {
    this.tokens = spec.batch * spec.seq;
    this.resid = spec.plan.param;
    this.prefix = spec.peft?.method === 'prefix' ? virtualTokens(spec.peft) : 0;
  }

  get trainBase(): boolean {
    return this.spec.peft === null;
  }

  /** Norm parameters train without PEFT, and under BitFit (their biases). */
  get trainNorms(): boolean {
    return this.trainBase || this.spec.peft?.method === 'bitfit';
  }

  /**
   * A frozen quantized base linear (bitsandbytes Linear4bit/Linear8bitLt, GPTQ/AWQ QuantLinear): no autocast weight
   * copy (the layer dequantizes itself); LLM.int8 keeps its input for backward when the input requires grad
   * (bitsandbytes autograd MatMul8bitLt: ctx.tensors = (CAt, subA, A)); the 4-bit path keeps only the packed weight.
   */
  quantizedLinear(x: Tensor, m: LinearModule, q: QuantizationConfig): Tensor {
    if (q.method === 'int8' && x.rg) this.tape.save(x);
    this.moduleTransient = Math.max(this.moduleTransient, quantizedLinearTransient(q, m, this.tokens));
    return this.tape.tensor(this.tokens * m.out, x.dtype, x.rg);
  }

  /** Keys or values with the prefix's past keys/values concatenated in front (torch.cat saves nothing). */
  withPrefix(x: Tensor): Tensor {
    if (this.prefix === 0) return x;
    return this.tape.tensor((x.numel / this.spec.seq) * (this.spec.seq + this.prefix), x.dtype, true);
  }

  /**
   * Houlsby adapter on a sub-layer output: x + up(act(down(x))) (AdapterHub Adapter: swish non-linearity for
   * HoulsbyConfig). Saves the down projection's input, the activation's input and the up projection's input.
   */
  adapter(x: Tensor, layer: string, where: string): Tensor {
    const peft = this.spec.peft;
    if (peft?.method !== 'adapter') return x;
    const t = this.tape;
    const h = this.spec.arch.hidden_size;
    const m = peft.bottleneck_size ?? Math.floor(h / 16);
    const down = t.linear(x, { key: `${layer}.adapter_${where}.down`, numel: h * m, trainable: true }, this.tokens * m);
    const up = t.linear(t.silu(down), { key: `${layer}.adapter_${where}.up`, numel: m * h, trainable: true }, this.tokens * h);
    return t.add(x, t.cast(up, x.dtype));
  }

  /** A base linear plus its LoRA branch when targeted. */
  linear(x: Tensor, layer: string, m: LinearModule): Tensor {
    const t = this.tape;
    const q = this.spec.quantization;
    const base = q && layer !== 'model'
      ? this.quantizedLinear(x, m, q)
      : t.linear(x, { key: `${layer}.${m.name}`, numel: m.in * m.out, trainable: this.trainBase }, this.tokens * m.out);
    const peft = this.spec.peft;
    if (!peft || !isLoraTarget(m.name, peft)) return base;
    const xa = t.dropout(t.cast(x, 'f32'), peft.dropout);
    const a = t.linear(xa, { key: `${layer}.${m.name}.lora_A`, numel: peft.r * m.in, trainable: true }, this.tokens * peft.r);
    const b = t.linear(a, { key: `${layer}.${m.name}.lora_B`, numel: peft.r * m.out, trainable: true }, this.tokens * m.out);
    if (peft.method === 'dora') return t.cast(this.dora(xa, base, b, m, peft.dropout), base.dtype);
    return t.cast(t.add(base, t.mulScalar(b)), base.dtype);
  }

  /**
   * DoRA's output (peft/tuners/lora/dora.py DoraLinearLayer.forward): with s = magnitude / ‖W + scaling·BA‖
   * (norm detached), result = base + (s − 1)·base_result + s·(B(A(x))·scaling). Each product saves the other
   * factor: base_result and the LoRA output (out features per token). With lora_dropout > 0 base_result is
   * recomputed as linear(dropout(x), W.to(x.dtype)), which saves that fp32 weight copy when x requires grad.
   * The weight norm materialises W in the adapter dtype, B·A and their sum (three out×in fp32 matrices, transient).
   */
  dora(xa: Tensor, base: Tensor, loraOut: Tensor, m: LinearModule, dropout: number): Tensor {
    const t = this.tape;
    this.moduleTransient = Math.max(this.moduleTransient, 3 * m.in * m.out * 4);
    let baseResult = base;
    if (dropout > 0) {
      if (xa.rg) t.save(t.tensor(m.in * m.out, 'f32', false));
      baseResult = t.tensor(this.tokens * m.out, 'f32', xa.rg);
    }
    const scale = t.tensor(m.out, 'f32', true);
    const baseTerm = t.mul(t.add(scale), baseResult);
    const loraTerm = t.mulScalar(t.mul(scale, loraOut));
    return t.add(t.add(base, baseTerm), loraTerm);
  }

  /** Attention core from per-head q, k, v (numel tokens·heads·head_dim each) to the merged output. */
  attention(q: Tensor, k: Tensor, v: Tensor, eager: () => Tensor): Tensor {
    const a = this.spec.arch;
    if (this.spec.attention !== 'eager') return this.tape.fusedAttention(q, k, v, this.tokens * a.num_heads);
    const t = this.tape;
    if (this.selective) {
      // Korthikanti et al. 2022, Sec. 4 (selective activation recomputation): the core is checkpointed, so only its
      // inputs q, k, v are kept and QKᵀ, softmax, its dropout and the product with V are recomputed in backward
      t.recording = false;
      const o = eager();
      t.recording = true;
      t.save(q, k, v);
      return o;
    }
    const before = t.recording ? t.bytes() : 0;
    const o = eager();
    if (t.recording) this.coreBytes = t.bytes() - before;
    return o;
  }

  /** Attention scores of one layer: batch · heads · queries · keys (keys include a prefix). */
  scores(): number {
    return this.spec.batch * this.spec.arch.num_heads * this.spec.seq * (this.spec.seq + this.prefix);
  }

  // ---- gpt2 -------------------------------------------------------------------------------------------------

  gpt2Layer(x: Tensor, layer: string): Tensor {
    const t = this.tape;
    const h = this.spec.arch.hidden_size;
    const [cAttn, cProj, cFc, mProj] = layerLinears(this.spec.arch);
    const a = t.layerNorm(x, this.tokens, this.trainNorms);
    const qkv = this.linear(a, layer, cAttn);
    const head = (): Tensor => t.tensor(this.tokens * h, qkv.dtype, qkv.rg);
    const [q, k, v] = [head(), this.withPrefix(head()), this.withPrefix(head())];
    const o = this.attention(q, k, v, () => {
      // matmul reshapes the strided head views of c_attn's output into contiguous copies
      const [qc, kc, vc] = [t.copy(q), t.copy(k), t.copy(v)];
      const w = t.divScalarTensor(t.bmm(qc, kc, this.scores()));
      const p = t.savesResult(t.add(w), t.autocast ? 'f32' : w.dtype);
      const pd = t.dropout(t.cast(p, vc.dtype), GPT2_DROPOUT);
      return t.bmm(pd, vc, this.tokens * h);
    });
    const attnOut = this.adapter(t.dropout(this.linear(t.copy(o), layer, cProj), GPT2_DROPOUT), layer, 'attention');
    const x2 = t.add(x, attnOut);
    const m = t.layerNorm(x2, this.tokens, this.trainNorms);
    const f = this.linear(m, layer, cFc);
    // NewGELUActivation
    const cube = t.mulScalar(t.pow(f));
    const inner = t.mulScalar(t.add(f, cube));
    const th = t.add(t.savesResult(inner));
    const g = t.mul(t.mulScalar(f), th);
    const mlpOut = this.adapter(t.dropout(this.linear(g, layer, mProj), GPT2_DROPOUT), layer, 'output');
    return t.add(x2, mlpOut);
  }

  // ---- llama ------------------------------------------------------------------------------------------------

  rmsNorm(x: Tensor): Tensor {
    const t = this.tape;
    const x32 = t.cast(x, 'f32');
    const variance = t.add(t.pow(x32)); // pow(2).mean(-1) + eps; mean saves nothing
    const r = t.savesResult(t.tensor(this.tokens, 'f32', variance.rg));
    const hs = t.cast(t.mul(x32, r), x.dtype);
    const weight = t.tensor(this.spec.arch.hidden_size, this.resid, this.trainBase);
    if (weight.rg) t.save(hs);
    return t.tensor(x.numel, this.resid === 'half' && x.dtype === 'half' ? 'half' : 'f32', x.rg || weight.rg);
  }

  rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    const t = this.tape;
    return t.add(t.mul(x, cos), t.mul(t.tensor(x.numel, x.dtype, x.rg), sin));
  }

  llamaLayer(x: Tensor, layer: string, rot: [Tensor, Tensor], mask: Tensor): Tensor {
    const t = this.tape;
    const arch = this.spec.arch;
    const full = ((this.tokens * (this.spec.seq + this.prefix)) / this.spec.seq) * arch.num_heads * headDim(arch);
    const [qP, kP, vP, oP, gP, uP, dP] = layerLinears(arch);
    const a = this.rmsNorm(x);
    const q = this.rope(this.linear(a, layer, qP), ...rot);
    const kRot = this.withPrefix(this.rope(this.linear(a, layer, kP), ...rot));
    const v0 = this.withPrefix(this.linear(a, layer, vP));
    const repeated = arch.num_kv_heads !== arch.num_heads;
    // repeat_kv expands and reshapes (a copy) when there are fewer kv heads; otherwise it returns its input
    const k = repeated ? t.tensor(full, kRot.dtype, kRot.rg) : kRot;
    const v = repeated ? t.tensor(full, v0.dtype, v0.rg) : v0;
    const o = this.attention(q, k, v, () => {
      const w = t.add(t.mulScalar(t.bmm(q, k, this.scores())), mask);
      const p = t.cast(t.savesResult(w, 'f32'), q.dtype);
      // v is a transposed view unless repeat_kv already made it contiguous: matmul copies it
      return t.bmm(p, repeated ? v : t.copy(v), q.numel);
    });
    const x2 = t.add(x, this.adapter(this.linear(t.copy(o), layer, oP), layer, 'attention'));
    const m = this.rmsNorm(x2);
    const gate = this.linear(m, layer, gP);
    const up = this.linear(m, layer, uP);
    return t.add(x2, this.adapter(this.linear(t.mul(t.silu(gate), up), layer, dP), layer, 'output'));
  }

  // ---- opt --------------------------------------------------------------------------------------------------

  optLayer(x: Tensor, layer: string, mask: Tensor): Tensor {
    const t = this.tape;
    const h = this.spec.arch.hidden_size;
    const [qP, kP, vP, oP, fc1, fc2] = layerLinears(this.spec.arch);
    const a = t.layerNorm(x, this.tokens, this.trainNorms);
    const q = this.linear(a, layer, qP);
    const [k, v] = [this.withPrefix(this.linear(a, layer, kP)), this.withPrefix(this.linear(a, layer, vP))];
    const o = this.attention(q, k, v, () => {
      const w = t.add(t.mulScalar(t.bmm(t.copy(q), t.copy(k), this.scores())), mask);
      const p = t.cast(t.savesResult(w, 'f32'), q.dtype);
      return t.bmm(p, t.copy(v), this.tokens * h);
    });
    const x2 = t.add(x, this.adapter(t.dropout(this.linear(t.copy(o), layer, oP), OPT_DROPOUT), layer, 'attention'));
    const m = t.layerNorm(x2, this.tokens, this.trainNorms);
    const f = t.savesResult(this.linear(m, layer, fc1));
    return t.add(x2, this.adapter(t.dropout(this.linear(f, layer, fc2), OPT_DROPOUT), layer, 'output'));
  }
}

/** Replays embedding, every decoder layer, final norm, LM head and the HF causal-LM loss. */
export function countForward(input: ForwardSpec): ForwardCount {
  const spec = effectiveSpec(input);
  const selective = spec.grad_checkpointing && spec.checkpointing_mode === 'selective';
  const layerCheckpoints = spec.grad_checkpointing && !selective;
  const tape = new Tape(spec.plan.autocast);
  const p = new Program(tape, spec, selective);
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

  /** Decoder layer i of the model's family, run by `program` (the forward's, or the scratch one of a recomputation). */
  const runLayer = (program: Program, inp: Tensor, i: number): Tensor => {
    const name = `layers.${i}`;
    if (arch.family === 'gpt2') return program.gpt2Layer(inp, name);
    if (arch.family === 'llama') return program.llamaLayer(inp, name, rot, mask);
    return program.optLayer(inp, name, mask);
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
    const scratchProgram = new Program(scratch, spec);
    runLayer(scratchProgram, scratch.tensor(tokens * h, x.dtype, true), Math.min(1, arch.num_layers - 1));
    // selective recomputation redoes only the attention core, which casts no weights
    recompute = { bytes: selective ? scratchProgram.coreBytes : scratch.bytes(), cast_bytes: selective ? 0 : scratch.castBytes() };
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
