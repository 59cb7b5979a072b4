/**
 * The decoder layer of each model family and the modules it is built of, as ops on a Tape (see tape.ts); forward.ts
 * runs them. Each layer follows the eager Hugging Face implementation it names; with `attention` sdpa/flash the
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
 * - Selective checkpointing recomputes only the eager attention core (DecoderLayers.attention).
 * - Quantized base linears, DoRA, Houlsby adapters and prefix keys/values: see the methods of DecoderLayers.
 */
import type { ForwardSpec } from './forward';
import { headDim, layerLinears, type LinearModule } from './params';
import { isLoraTarget, virtualTokens } from './peft';
import { quantizedLinearTransient } from './quantization';
import type { Tape, Tensor } from './tape';
import type { QuantizationConfig } from './types';

/** HF config defaults for dropout (GPT2Config resid/embd/attn_pdrop; OPTConfig dropout / attention_dropout). */
export const GPT2_DROPOUT = 0.1;
const OPT_DROPOUT = 0.1;

/** The ops of one forward's modules, recorded on its tape: decoder layers, norms and (LoRA/quantized) linears. */
export class DecoderLayers {
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
