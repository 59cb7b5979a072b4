/**
 * A symbolic autograd tape: it replays a model's forward op by op and records which tensors autograd saves
 * for backward, de-duplicated by storage, with the requires-grad flag propagated as PyTorch does. Bytes come
 * out exact for an op sequence, with no fudge factor.
 *
 * What each op saves follows PyTorch's tools/autograd/derivatives.yaml (the tensors named in the backward
 * formulas; the generated code saves an input only when the gradient that needs it is required, e.g. `mm`
 * saves mat1 only if mat2 requires grad). Parameters are not activations and are never recorded; autocast's
 * half copies of weights are recorded separately (`castBytes`). Autocast dtype rules follow the CUDA op lists
 * of the torch.amp docs: mm/bmm/linear/addmm/SDPA run in half; layer_norm, pow, rsqrt, softmax, log_softmax run
 * in fp32; other ops follow type promotion. A Python scalar operand is a wrapped 0-dim float64 tensor that `mul`
 * saves (8 bytes).
 */
import { DTYPE_BYTES, type DType } from './precision';

export interface Tensor {
  readonly id: number;
  readonly numel: number;
  readonly dtype: DType;
  /** requires_grad */
  readonly rg: boolean;
}

/** A weight matrix as the tape sees it: only whether it is trainable and its name (for autocast casts). */
export interface WeightRef {
  key: string;
  numel: number;
  trainable: boolean;
}

/** Where a segment of the replay began (Tape.mark): the next tensor id and the number of saves so far. */
export interface TapeMark {
  readonly id: number;
  readonly saves: number;
}

export class Tape {
  /** Phase that newly saved tensors are attributed to ("embed", "layers[0]", "loss"...). */
  phase = 'embed';
  /** When false (a checkpointed segment running under no_grad) nothing is saved. */
  recording = true;
  /** Shared across tapes so that tensors made on one tape keep their identity on another. */
  private static nextId = 0;
  /** Ids of the saved tensors, in the order saved (a tensor is saved once: autograd keeps one reference to a storage). */
  private readonly savedIds = new Set<number>();
  private readonly savedLog: number[] = [];
  /** Saved bytes by phase and dtype, phases and dtypes in order of their first save; totals kept as saves come. */
  private readonly byPhase = new Map<string, Map<DType, number>>();
  private readonly byDtype = new Map<DType, number>();
  private total = 0;
  private lastPhase: string | undefined;
  private lastBytes: Map<DType, number> | undefined;
  /** Autocast half copies of weights saved for backward, by weight key (a weight is cast once), and their bytes by phase. */
  private readonly casts = new Map<string, number>();
  private readonly castsByPhase = new Map<string, number>();
  private castTotal = 0;

  constructor(readonly autocast: boolean) {}

  tensor(numel: number, dtype: DType, rg: boolean): Tensor {
    return { id: Tape.nextId++, numel, dtype, rg };
  }

  save(...ts: Tensor[]): void {
    if (!this.recording) return;
    for (const t of ts) {
      if (this.savedIds.has(t.id)) continue;
      this.savedIds.add(t.id);
      this.savedLog.push(t.id);
      this.addBytes(this.phase, t.dtype, t.numel * DTYPE_BYTES[t.dtype]);
    }
  }

  private addBytes(phase: string, dtype: DType, bytes: number): void {
    const dtypes = this.phaseBytes(phase);
    dtypes.set(dtype, (dtypes.get(dtype) ?? 0) + bytes);
    this.byDtype.set(dtype, (this.byDtype.get(dtype) ?? 0) + bytes);
    this.total += bytes;
  }

  /** The byte counts of a phase, created empty at its first save; the last one looked up is kept (saves come in runs). */
  private phaseBytes(phase: string): Map<DType, number> {
    if (phase === this.lastPhase) return this.lastBytes!;
    let dtypes = this.byPhase.get(phase);
    if (!dtypes) this.byPhase.set(phase, (dtypes = new Map()));
    this.lastPhase = phase;
    return (this.lastBytes = dtypes);
  }

  saveWeightCast(w: WeightRef): void {
    if (!this.recording || !this.autocast) return;
    const bytes = w.numel * DTYPE_BYTES.half;
    const added = bytes - (this.casts.get(w.key) ?? 0);
    this.casts.set(w.key, bytes);
    this.castsByPhase.set(this.phase, (this.castsByPhase.get(this.phase) ?? 0) + added);
    this.castTotal += added;
  }

  /** Bytes of the autocast weight copies saved for backward. */
  castBytes(): number {
    return this.castTotal;
  }

  /** Total saved bytes. */
  bytes(): number {
    return this.total;
  }

  bytesByPhase(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [phase, dtypes] of this.byPhase) {
      let n = 0;
      for (const b of dtypes.values()) n += b;
      out.set(phase, n);
    }
    return out;
  }

  bytesByDtype(): Record<string, number> {
    return Object.fromEntries(this.byDtype);
  }

  isSaved(t: Tensor): boolean {
    return this.savedIds.has(t.id);
  }

  mark(): TapeMark {
    return { id: Tape.nextId, saves: this.savedLog.length };
  }

  /** Ids of the tensors saved since a mark. */
  savedSince(m: TapeMark): number[] {
    return this.savedLog.slice(m.saves);
  }

  /**
   * Records in phase `as` what phase `from` saved (activations and weight casts), as the same ops on fresh tensors
   * would: for a segment that saved only tensors it made or its input (see forward.ts), replaying it again on a
   * fresh input of the same kind saves the same bytes.
   */
  repeatPhase(from: string, as: string): void {
    for (const [dtype, bytes] of this.byPhase.get(from) ?? []) this.addBytes(as, dtype, bytes);
    const casts = this.castsByPhase.get(from);
    if (casts !== undefined) {
      this.castsByPhase.set(as, casts);
      this.castTotal += casts;
    }
  }

  // ---- ops -------------------------------------------------------------------------------------------------

  /** `x.to(dtype)`: a new tensor unless already that dtype; saves nothing (ToCopyBackward needs no tensor). */
  cast(x: Tensor, dtype: DType): Tensor {
    return x.dtype === dtype ? x : this.tensor(x.numel, dtype, x.rg);
  }

  /** A copy with the same dtype (contiguous(), or matmul's reshape of a non-viewable operand). */
  copy(x: Tensor): Tensor {
    return this.tensor(x.numel, x.dtype, x.rg);
  }

  /** Input dtype an autocast-to-half op computes in. */
  private halfIn(x: Tensor): Tensor {
    return this.autocast ? this.cast(x, 'half') : x;
  }

  /** Input of an op on autocast's fp32 list. */
  private f32In(x: Tensor): Tensor {
    return this.autocast ? this.cast(x, 'f32') : x;
  }

  /** Type promotion of a binary op: the wider float wins. */
  private promote(a: Tensor, b: Tensor): DType {
    return a.dtype === 'f32' || b.dtype === 'f32' ? 'f32' : a.dtype;
  }

  /** `embedding(ids, W)`: saves indices when W is trainable (embedding_backward). */
  embedding(ids: Tensor, numelOut: number, trainable: boolean, dtype: DType): Tensor {
    if (trainable) this.save(ids);
    return this.tensor(numelOut, dtype, trainable);
  }

  /** `linear`/`addmm`: saves the (autocast-cast) input if the weight is trainable; the weight if input requires grad. */
  linear(x: Tensor, w: WeightRef, outNumel: number): Tensor {
    const xin = this.halfIn(x);
    if (w.trainable) this.save(xin);
    if (x.rg) this.saveWeightCast(w);
    return this.tensor(outNumel, xin.dtype, x.rg || w.trainable);
  }

  /** `a * b`: saves b if a requires grad and a if b requires grad. */
  mul(a: Tensor, b: Tensor): Tensor {
    if (a.rg) this.save(b);
    if (b.rg) this.save(a);
    return this.tensor(Math.max(a.numel, b.numel), this.promote(a, b), a.rg || b.rg);
  }

  /** `x * python_scalar`: saves the wrapped 0-dim float64 scalar. */
  mulScalar(x: Tensor): Tensor {
    if (x.rg) this.save(this.tensor(1, 'f64', false));
    return this.tensor(x.numel, x.dtype, x.rg);
  }

  /** `x / torch.full([], c, dtype=x.dtype)`: saves the 0-dim divisor. */
  divScalarTensor(x: Tensor): Tensor {
    if (x.rg) this.save(this.tensor(1, x.dtype, false));
    return this.tensor(x.numel, x.dtype, x.rg);
  }

  /** Elementwise add (also `x + scalar`, `torch.where` with a buffer condition): saves nothing. */
  add(a: Tensor, b?: Tensor): Tensor {
    const rg = a.rg || (b?.rg ?? false);
    return this.tensor(Math.max(a.numel, b?.numel ?? 0), b ? this.promote(a, b) : a.dtype, rg);
  }

  /** `torch.pow(x, c)` (autocast fp32 list): saves its input. */
  pow(x: Tensor): Tensor {
    const xin = this.f32In(x);
    if (x.rg) this.save(xin);
    return this.tensor(x.numel, xin.dtype, x.rg);
  }

  /** Ops whose backward uses their result: tanh, rsqrt (fp32 list under autocast), relu, softmax. */
  savesResult(x: Tensor, dtype: DType = x.dtype): Tensor {
    const out = this.tensor(x.numel, dtype, x.rg);
    if (x.rg) this.save(out);
    return out;
  }

  /** silu: saves its input. */
  silu(x: Tensor): Tensor {
    if (x.rg) this.save(x);
    return this.tensor(x.numel, x.dtype, x.rg);
  }

  /** `native_dropout`: saves a bool mask (1 byte per element on GPU); p = 0 returns the input untouched. */
  dropout(x: Tensor, p: number): Tensor {
    if (p <= 0) return x;
    if (x.rg) this.save(this.tensor(x.numel, 'bool', false));
    return this.tensor(x.numel, x.dtype, x.rg);
  }

  /** `native_layer_norm` (fp32 list): saves input, mean and rstd (one per row, in the input dtype). */
  layerNorm(x: Tensor, rows: number, trainable: boolean): Tensor {
    const xin = this.f32In(x);
    const rg = x.rg || trainable;
    if (rg) this.save(xin, this.tensor(rows, xin.dtype, false), this.tensor(rows, xin.dtype, false));
    return this.tensor(x.numel, xin.dtype, rg);
  }

  /** `bmm(a, b)` (half under autocast): saves b if a requires grad, a if b requires grad. */
  bmm(a: Tensor, b: Tensor, outNumel: number): Tensor {
    const ah = this.halfIn(a);
    const bh = this.halfIn(b);
    if (a.rg) this.save(bh);
    if (b.rg) this.save(ah);
    return this.tensor(outNumel, ah.dtype, a.rg || b.rg);
  }

  /**
   * `scaled_dot_product_attention` with the flash or memory-efficient kernel (half under autocast): saves
   * query, key, value, the output and the fp32 logsumexp (one per query row and head); no S×S tensor and no
   * dropout mask (dropout is regenerated from the saved RNG state). Source: PyTorch derivatives.yaml entries
   * `_scaled_dot_product_flash_attention` / `_scaled_dot_product_efficient_attention`; Dao et al. 2022,
   * "FlashAttention", Sec. 3.1 (backward recomputes attention from the O(S) softmax statistics).
   */
  fusedAttention(q: Tensor, k: Tensor, v: Tensor, lseRows: number): Tensor {
    const [qh, kh, vh] = [this.halfIn(q), this.halfIn(k), this.halfIn(v)];
    const out = this.tensor(q.numel, qh.dtype, q.rg || k.rg || v.rg);
    if (out.rg) this.save(qh, kh, vh, out, this.tensor(lseRows, 'f32', false));
    return out;
  }
}
