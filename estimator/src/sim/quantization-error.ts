/**
 * Quantization error on a synthetic weight matrix: how much each weight-quantization scheme loses, as relative
 * error ‖W − Ŵ‖/‖W‖ and signal-to-quantization-noise ratio SQNR = 10·log10(Σw² / Σ(w − ŵ)²) dB.
 *
 * The matrix: rows of the model's hidden width, weights N(0, 0.02²) (the HF initializer_range default), with
 * outlier input features: one column in a thousand scaled ×20, the systematic large-magnitude features LLM.int8
 * found in every layer of large transformers (Dettmers et al. 2022, "LLM.int8()", Sec. 3.2). It stands for a real
 * checkpoint, which the server never loads; the figures compare schemes, they do not predict a model's accuracy.
 *
 * Schemes:
 * - INT8 symmetric (scale = t/127, zero point 0) with the threshold t from absmax, the 99.99th percentile of |w|, or
 *   the KL-divergence search of TensorRT's entropy calibrator (Migacz 2017, "8-bit Inference with TensorRT", GTC:
 *   2048-bin histogram, for each candidate threshold i ≥ 128 bins the clipped reference P, mass beyond folded into
 *   its last bin, against P merged into 128 levels and expanded back; the threshold with the least KL(P‖Q));
 * - INT8 asymmetric (scale = (max − min)/255, zero point = round(−min/scale)), per tensor;
 * - INT8 symmetric absmax per output channel (a scale per row), as LLM.int8's vector-wise quantization of weights;
 * - NF4 with absmax blocks of 64 (Dettmers et al. 2023, "QLoRA", Sec. 3 and Appendix E, the 16 NormalFloat
 *   levels as bitsandbytes tabulates them), and with double quantization: the block constants, less their mean,
 *   quantized to 8 bits in blocks of 256 (QLoRA Sec. 3; symmetric int8 here where bitsandbytes uses its dynamic
 *   8-bit map);
 * - INT4 asymmetric round-to-nearest with groups of 128 (the grid GPTQ uses at group_size 128; GPTQ's Hessian-based
 *   error compensation, Frantar et al. 2023, lowers the error below this round-to-nearest figure).
 */
import type { QuantizationConfig, TrainingJob } from '../types';
import { Rng } from './prng';

export type QuantScheme =
  | 'int8_absmax_per_tensor'
  | 'int8_percentile_per_tensor'
  | 'int8_kl_per_tensor'
  | 'int8_asymmetric_per_tensor'
  | 'int8_absmax_per_channel'
  | 'nf4_block64'
  | 'nf4_block64_double_quant'
  | 'int4_group128';

export interface QuantError {
  relative_error: number;
  sqnr_db: number;
}

export interface QuantizationSim {
  rows: number;
  cols: number;
  /** The scheme the job's quantization settings select, when it has any. */
  job_scheme?: QuantScheme;
  schemes: Record<QuantScheme, QuantError>;
}

/** QLoRA Appendix E / bitsandbytes: the NF4 levels. */
export const NF4_LEVELS = [
  -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1,
];

const STD = 0.02;
const OUTLIER_SCALE = 20;
const OUTLIER_EVERY = 1000;
/** Elements of the sample (rows of the hidden width): enough for stable figures, few enough for milliseconds. */
const SAMPLE_ELEMENTS = 65536;
const MAX_COLS = 16384;

/** Seeded N(0, std²) rows × cols with every OUTLIER_EVERY-th input column (at least one) scaled ×20. */
export function syntheticWeights(rows: number, cols: number, seed = 11): Float64Array {
  const w = new Rng(seed).normals(rows * cols);
  const outliers = new Set<number>();
  const rng = new Rng(seed + 1);
  for (let k = 0; k < Math.max(1, Math.floor(cols / OUTLIER_EVERY)); k++) outliers.add(Math.floor(rng.next() * cols));
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) w[r * cols + c] *= STD * (outliers.has(c) ? OUTLIER_SCALE : 1);
  return w;
}

export function errorOf(w: Float64Array, q: Float64Array): QuantError {
  let sig = 0;
  let noise = 0;
  for (let i = 0; i < w.length; i++) {
    sig += w[i] * w[i];
    noise += (w[i] - q[i]) ** 2;
  }
  return { relative_error: Math.sqrt(noise / sig), sqnr_db: noise === 0 ? Infinity : 10 * Math.log10(sig / noise) };
}

/** Symmetric uniform quantization of w[from, to) with threshold t over ±levels (127 for INT8), values clipped. */
function symmetric(w: Float64Array, out: Float64Array, from: number, to: number, t: number, levels: number): void {
  const scale = t / levels || 1;
  for (let i = from; i < to; i++) out[i] = Math.max(-levels, Math.min(levels, Math.round(w[i] / scale))) * scale;
}

/** Asymmetric (zero-point) quantization of w[from, to) to `levels + 1` codes between its min and max. */
function asymmetric(w: Float64Array, out: Float64Array, from: number, to: number, levels: number): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i < to; i++) {
    lo = Math.min(lo, w[i]);
    hi = Math.max(hi, w[i]);
  }
  const scale = (hi - lo) / levels || 1;
  const zero = Math.round(-lo / scale);
  for (let i = from; i < to; i++) out[i] = (Math.max(0, Math.min(levels, Math.round(w[i] / scale) + zero)) - zero) * scale;
}

function absmax(w: Float64Array, from = 0, to = w.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(w[i]));
  return m;
}

/** The p-quantile of |w| (p near 1): the smallest of the ⌈(1 − p)·n⌉ largest magnitudes, kept in a sorted list. */
function percentile(w: Float64Array, p: number): number {
  const k = Math.max(1, Math.ceil((1 - p) * w.length));
  const top: number[] = [];
  for (const x of w) {
    const a = Math.abs(x);
    if (top.length === k && a <= top[0]) continue;
    let i = 0;
    while (i < top.length && top[i] < a) i++;
    top.splice(i, 0, a);
    if (top.length > k) top.shift();
  }
  return top[0];
}

/**
 * TensorRT entropy calibration threshold for |w| (see the module comment). For each candidate i, KL(P‖Q) is
 * computed from prefix sums: P is the histogram up to bin i with the tail folded into bin i − 1; Q spreads each of
 * the `levels` merged bins evenly over its non-empty source bins; a bin Q leaves empty while P does not is smoothed
 * to 1e-10 rather than infinite.
 */
export function klThreshold(w: Float64Array, bins = 2048, levels = 128): number {
  const max = absmax(w);
  const width = max / bins || 1;
  const hist = new Float64Array(bins);
  for (const x of w) hist[Math.min(bins - 1, Math.floor(Math.abs(x) / width))]++;
  const H = new Float64Array(bins + 1);
  const NZ = new Float64Array(bins + 1);
  const PLOGP = new Float64Array(bins + 1);
  for (let j = 0; j < bins; j++) {
    H[j + 1] = H[j] + hist[j];
    NZ[j + 1] = NZ[j] + (hist[j] > 0 ? 1 : 0);
    PLOGP[j + 1] = PLOGP[j] + (hist[j] > 0 ? hist[j] * Math.log(hist[j]) : 0);
  }
  const n = H[bins];
  let best = bins;
  let bestKl = Infinity;
  for (let i = levels; i <= bins; i++) {
    const tail = n - H[i - 1];
    const last = hist[i - 1];
    const qs = H[i];
    const plogp = PLOGP[i - 1] + (tail > 0 ? tail * Math.log(tail) : 0);
    let plogq = 0;
    const per = i / levels;
    for (let k = 0; k < levels; k++) {
      const a = Math.floor(k * per);
      const b = k === levels - 1 ? i : Math.floor((k + 1) * per);
      const nz = NZ[b] - NZ[a];
      if (nz === 0) continue;
      const sum = H[b] - H[a];
      // P's mass on this group's non-empty bins (the last bin carries the folded tail)
      const mass = k === levels - 1 && last > 0 ? sum - last + tail : sum;
      plogq += mass * Math.log(sum / nz / qs);
    }
    if (last === 0 && tail > 0) plogq += tail * Math.log(1e-10);
    const kl = (plogp - n * Math.log(n) - plogq) / n;
    if (kl < bestKl) [bestKl, best] = [kl, i];
  }
  return (best + 0.5) * width;
}

/** NF4: each block scaled by its absmax onto the nearest of the 16 levels; `constants` maps the block absmaxes. */
function nf4(w: Float64Array, out: Float64Array, block: number, constants: (c: Float64Array) => Float64Array): void {
  const blocks = Math.ceil(w.length / block);
  const c = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) c[b] = absmax(w, b * block, Math.min(w.length, (b + 1) * block));
  const stored = constants(c);
  for (let b = 0; b < blocks; b++) {
    for (let i = b * block; i < Math.min(w.length, (b + 1) * block); i++) {
      const x = c[b] > 0 ? w[i] / c[b] : 0;
      let lo = 0;
      let hi = NF4_LEVELS.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x < NF4_LEVELS[mid]) hi = mid;
        else lo = mid;
      }
      out[i] = (x - NF4_LEVELS[lo] <= NF4_LEVELS[hi] - x ? NF4_LEVELS[lo] : NF4_LEVELS[hi]) * stored[b];
    }
  }
}

/** Double quantization of the block constants: mean removed, symmetric 8-bit in blocks of 256. */
function doubleQuant(c: Float64Array): Float64Array {
  const mean = c.reduce((s, x) => s + x, 0) / c.length;
  const centred = c.map((x) => x - mean);
  const out = new Float64Array(c.length);
  for (let b = 0; b < c.length; b += 256) symmetric(centred, out, b, Math.min(c.length, b + 256), absmax(centred, b, Math.min(c.length, b + 256)), 127);
  return out.map((x) => x + mean);
}

/** Error of every scheme on a `rows × cols` synthetic matrix. */
export function quantizationErrors(rows: number, cols: number, seed = 11): Record<QuantScheme, QuantError> {
  const w = syntheticWeights(rows, cols, seed);
  const run = (fill: (out: Float64Array) => void): QuantError => {
    const out = new Float64Array(w.length);
    fill(out);
    return errorOf(w, out);
  };
  const perRow = (f: (out: Float64Array, from: number, to: number) => void) => (out: Float64Array) => {
    for (let r = 0; r < rows; r++) f(out, r * cols, (r + 1) * cols);
  };
  const groups = (size: number, f: (out: Float64Array, from: number, to: number) => void) => (out: Float64Array) => {
    for (let g = 0; g < w.length; g += size) f(out, g, Math.min(w.length, g + size));
  };
  return {
    int8_absmax_per_tensor: run((o) => symmetric(w, o, 0, w.length, absmax(w), 127)),
    int8_percentile_per_tensor: run((o) => symmetric(w, o, 0, w.length, percentile(w, 0.9999), 127)),
    int8_kl_per_tensor: run((o) => symmetric(w, o, 0, w.length, klThreshold(w), 127)),
    int8_asymmetric_per_tensor: run((o) => asymmetric(w, o, 0, w.length, 255)),
    int8_absmax_per_channel: run(perRow((o, a, b) => symmetric(w, o, a, b, absmax(w, a, b), 127))),
    nf4_block64: run((o) => nf4(w, o, 64, (c) => c)),
    nf4_block64_double_quant: run((o) => nf4(w, o, 64, doubleQuant)),
    int4_group128: run(groups(128, (o, a, b) => asymmetric(w, o, a, b, 15))),
  };
}

/** The scheme a job's quantization config selects (FP4 has its own levels, not simulated). */
export function jobScheme(q: QuantizationConfig): QuantScheme | undefined {
  if (q.method === 'int8') return 'int8_absmax_per_channel';
  if (q.method === 'nf4') return q.double_quant ? 'nf4_block64_double_quant' : 'nf4_block64';
  if (q.method === 'fp4') return undefined;
  return q.bits === 4 && (q.group_size ?? 128) === 128 ? 'int4_group128' : undefined;
}

/** The comparison on a sample of the job's hidden-width rows. */
export function quantizationSim(job: TrainingJob): QuantizationSim {
  // a width past any real model's (a mistyped config) is sampled at MAX_COLS, so the run stays fast
  const cols = Math.max(1, Math.min(MAX_COLS, Math.round(job.model.hidden_size) || 1));
  const rows = Math.max(4, Math.floor(SAMPLE_ELEMENTS / cols));
  const scheme = job.quantization && jobScheme(job.quantization);
  return {
    rows,
    cols,
    ...(scheme ? { job_scheme: scheme } : {}),
    schemes: quantizationErrors(rows, cols),
  };
}
