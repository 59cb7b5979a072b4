/**
 * FlashAttention tiling for a job's head dimension on a GPU's on-chip SRAM, after Dao et al. 2022,
 * "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness":
 * - Algorithm 1, line 1: block sizes Bc = ⌈M / 4d⌉ and Br = min(⌈M / 4d⌉, d) for SRAM of M elements (16-bit
 *   elements here, as the kernels hold Q, K, V tiles in fp16/bf16);
 * - Theorem 2: standard attention makes Θ(Nd + N²) HBM accesses, FlashAttention Θ(N²d²/M). We count them exactly
 *   for one head: Algorithm 0 reads Q, K (2Nd), writes and reads S (2N²), writes P (N²), reads P and V (N² + Nd)
 *   and writes O (Nd): 4Nd + 4N²; Algorithm 1 reads K, V once (2Nd) and, for each of the Tc = ⌈N/Bc⌉ column
 *   blocks, reads Q and O and writes O (3Nd) and reads and writes the statistics ℓ, m (4N): 2Nd + Tc(3Nd + 4N);
 * - a numerical run of Algorithm 1 (online softmax, the rescaling of lines 11-12) in fp32 on small random Q, K, V
 *   (64 rows, the job's head dimension up to 256) against the standard softmax(QKᵀ/√d)V in float64, reporting the
 *   largest absolute difference;
 * - FlashAttention-2 (Dao 2023) runs on Ampere, Ada and Hopper only (flash-attn README: "FlashAttention-2 currently
 *   supports Ampere, Ada, or Hopper GPUs"; Turing needs FlashAttention 1.x, Volta neither); PyTorch SDPA then falls
 *   back to the memory-efficient kernel.
 */
import { headDim } from '../params';
import type { Gpu, TrainingJob } from '../types';
import { Rng } from './prng';

export interface FlashTiling {
  head_dim: number;
  /** SRAM in 16-bit elements (M). */
  sram_elements: number;
  block_rows: number;
  block_cols: number;
  /** HBM bytes of one attention forward over the micro-batch (all heads), 16-bit elements. */
  hbm_bytes_standard: number;
  hbm_bytes_tiled: number;
  /** Largest |tiled − standard| on the numerical run. */
  max_abs_error: number;
  /** FlashAttention-2 has kernels for this GPU (compute capability ≥ 8.0). */
  fa2_supported: boolean;
}

/** Algorithm 1's block sizes for head dimension d and SRAM of m elements. */
export function flashBlockSizes(d: number, m: number): { block_rows: number; block_cols: number } {
  const bc = Math.ceil(m / (4 * d));
  return { block_rows: Math.min(bc, d), block_cols: bc };
}

/** HBM element accesses of one head's forward at sequence length n (see the module comment). */
export function hbmAccesses(n: number, d: number, blockCols: number): { standard: number; tiled: number } {
  const tc = Math.ceil(n / blockCols);
  return { standard: 4 * n * d + 4 * n * n, tiled: 2 * n * d + tc * (3 * n * d + 4 * n) };
}

/** FlashAttention-2 kernels exist for compute capability 8.0 and up. */
export function fa2Supported(gpu: Gpu): boolean {
  return (gpu.compute_capability ?? (gpu.bf16 ? 8 : 7)) >= 8;
}

/** Standard attention softmax(QKᵀ/√d)V in float64; Q, K, V are n×d row-major. */
export function standardAttention(q: Float32Array, k: Float32Array, v: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  const s = new Float64Array(n);
  const scale = 1 / Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[i * d + c] * k[j * d + c];
      s[j] = dot * scale;
      max = Math.max(max, s[j]);
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += (s[j] = Math.exp(s[j] - max));
    for (let j = 0; j < n; j++) for (let c = 0; c < d; c++) out[i * d + c] += (s[j] / sum) * v[j * d + c];
  }
  return out;
}

/**
 * Algorithm 1 with fp32 accumulators: for each block of Bc keys/values, each block of Br queries updates its running
 * max m, normaliser ℓ and output O by the online-softmax rescaling.
 */
export function tiledAttention(q: Float32Array, k: Float32Array, v: Float32Array, n: number, d: number, br: number, bc: number): Float32Array {
  const o = new Float32Array(n * d);
  const l = new Float32Array(n);
  const m = new Float32Array(n).fill(-Infinity);
  const scale = Math.fround(1 / Math.sqrt(d));
  const sij = new Float32Array(br * bc);
  for (let j0 = 0; j0 < n; j0 += bc) {
    const j1 = Math.min(n, j0 + bc);
    for (let i0 = 0; i0 < n; i0 += br) {
      const i1 = Math.min(n, i0 + br);
      for (let i = i0; i < i1; i++) {
        const row = (i - i0) * bc;
        let mt = -Infinity;
        for (let j = j0; j < j1; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot = Math.fround(dot + Math.fround(q[i * d + c] * k[j * d + c]));
          sij[row + j - j0] = Math.fround(dot * scale);
          mt = Math.max(mt, sij[row + j - j0]);
        }
        let lt = 0;
        for (let j = j0; j < j1; j++) lt = Math.fround(lt + (sij[row + j - j0] = Math.fround(Math.exp(sij[row + j - j0] - mt))));
        const mNew = Math.max(m[i], mt);
        const a = Math.fround(Math.exp(m[i] - mNew));
        const b = Math.fround(Math.exp(mt - mNew));
        const lNew = Math.fround(a * l[i] + b * lt);
        for (let c = 0; c < d; c++) {
          let pv = 0;
          for (let j = j0; j < j1; j++) pv = Math.fround(pv + Math.fround(sij[row + j - j0] * v[j * d + c]));
          o[i * d + c] = Math.fround((l[i] * a * o[i * d + c] + b * pv) / lNew);
        }
        l[i] = lNew;
        m[i] = mNew;
      }
    }
  }
  return o;
}

/** Sequence length and largest head dimension of the numerical run: small enough to take a few milliseconds. */
const CHECK_SEQ = 64;
const CHECK_MAX_DIM = 256;

/** max |tiled − standard| on seeded N(0, 1) Q, K, V of n × d, with Algorithm 1's blocks capped to fit n. */
export function flashNumericalCheck(n: number, d: number, br: number, bc: number, seed = 7): number {
  const rng = new Rng(seed);
  const [q, k, v] = [0, 1, 2].map(() => Float32Array.from(rng.normals(n * d)));
  const ref = standardAttention(q, k, v, n, d);
  const got = tiledAttention(q, k, v, n, d, Math.min(br, n), Math.min(bc, n));
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
  return err;
}

/** The tiling of the job's attention on the GPU; undefined when the GPU's SRAM is not in the catalog. */
export function flashTiling(job: TrainingJob, gpu: Gpu): FlashTiling | undefined {
  const d = Math.round(headDim(job.model));
  if (!gpu.sram_bytes_per_sm || !(d >= 1)) return undefined;
  const m = gpu.sram_bytes_per_sm / 2;
  const { block_rows, block_cols } = flashBlockSizes(d, m);
  const acc = hbmAccesses(job.seq_len, d, block_cols);
  const heads = job.micro_batch * job.model.num_heads;
  // the run uses blocks a quarter of the sequence wide, so that it crosses block boundaries as the real kernel does
  const checkBlocks = Math.max(1, Math.floor(CHECK_SEQ / 4));
  return {
    head_dim: d,
    sram_elements: m,
    block_rows,
    block_cols,
    hbm_bytes_standard: acc.standard * 2 * heads,
    hbm_bytes_tiled: acc.tiled * 2 * heads,
    max_abs_error: flashNumericalCheck(CHECK_SEQ, Math.min(d, CHECK_MAX_DIM), Math.min(block_rows, checkBlocks), Math.min(block_cols, checkBlocks)),
    fa2_supported: fa2Supported(gpu),
  };
}
