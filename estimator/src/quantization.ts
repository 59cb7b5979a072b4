/**
 * Bytes of quantized weights: packed data plus the constants each scheme stores beside it.
 *
 * Which tensors are quantized: the decoder layers' linear weights. Embeddings, norms and biases are not Linear
 * weights, and the output layer is skipped (transformers integrations/bitsandbytes.py get_keys_to_not_convert
 * keeps lm_head and tied weights in full precision; GPTQ/AWQ quantize the decoder blocks only). Unquantized
 * tensors stay in the load dtype, or fp32 after peft prepare_model_for_kbit_training (domain-rules §2.4).
 *
 * Per weight of n = in·out elements:
 * - int8, LLM.int8 (Dettmers et al. 2022, "LLM.int8()", Sec. 3; bitsandbytes nn/modules.py Int8Params,
 *   functional.int8_vectorwise_quant): int8 data n bytes plus one fp32 absmax scale per output row (SCB), i.e.
 *   32/in bits per parameter of overhead. Outlier feature columns (|x| > llm_int8_threshold = 6) are multiplied in
 *   fp16 at run time (mixed-precision decomposition, Sec. 3.2): transient, never stored.
 * - nf4 / fp4 (Dettmers et al. 2023, "QLoRA", Sec. 3; bitsandbytes functional.quantize_4bit): two 4-bit codes per
 *   uint8 byte, one fp32 absmax per block of 64 (0.5 bit/param) and a 16-entry fp32 code table per tensor. With
 *   double quantization the absmaxes are themselves 8-bit blockwise-quantized in blocks of 256 (quantize_blockwise
 *   of absmax − mean): 8/64 + 32/(64·256) = 0.127 bit/param (the paper's 0.373 bit saving), plus the fp32 mean
 *   offset and a 256-entry fp32 dynamic code table per tensor.
 * - gptq (Frantar et al. 2023, "GPTQ"; AutoGPTQ qlinear QuantLinear buffers): qweight int32 [in·bits/32, out],
 *   qzeros int32 [groups, out·bits/32], scales fp16 [groups, out], g_idx int32 [in]; groups = in / group_size.
 * - awq (Lin et al. 2024, "AWQ"; AutoAWQ WQLinear_GEMM buffers): qweight int32 [in, out·bits/32], qzeros int32
 *   [groups, out·bits/32], scales fp16 [groups, out]; no g_idx.
 */
import type { LinearModule } from './params';
import type { QuantizationConfig } from './types';

/** bitsandbytes 4-bit blocksize (quantize_4bit default) and the nested blocksize of double quantization. */
export const BNB_4BIT_BLOCK = 64;
export const BNB_DOUBLE_QUANT_BLOCK = 256;
/** GPTQ/AWQ group size when a config gives none (the common 128). */
export const DEFAULT_GROUP_SIZE = 128;
const NF4_CODE_ENTRIES = 16;
const DYNAMIC_CODE_ENTRIES = 256;

export interface QuantizedBytes {
  /** Packed integer weight data. */
  data: number;
  /** Scales, absmaxes, zero points, code tables, group indices. */
  constants: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Storage of one quantized linear weight (its bias, if any, is not included). */
export function quantizedLinearBytes(q: QuantizationConfig, m: Pick<LinearModule, 'in' | 'out'>): QuantizedBytes {
  const n = m.in * m.out;
  switch (q.method) {
    case 'int8':
      return { data: n, constants: 4 * m.out };
    case 'nf4':
    case 'fp4': {
      const blocks = ceilDiv(n, BNB_4BIT_BLOCK);
      const code = 4 * NF4_CODE_ENTRIES;
      const constants = q.double_quant
        ? blocks + 4 * ceilDiv(blocks, BNB_DOUBLE_QUANT_BLOCK) + 4 * DYNAMIC_CODE_ENTRIES + 4 + code
        : 4 * blocks + code;
      return { data: ceilDiv(n, 2), constants };
    }
    case 'gptq':
    case 'awq': {
      const group = q.group_size && q.group_size > 0 ? q.group_size : q.group_size === -1 ? m.in : DEFAULT_GROUP_SIZE;
      const groups = ceilDiv(m.in, group);
      const packedOut = ceilDiv(m.out * q.bits, 32) * 4; // bytes of one int32-packed row of out values
      const gIdx = q.method === 'gptq' ? 4 * m.in : 0;
      return { data: (n * q.bits) / 8, constants: groups * packedOut + 2 * groups * m.out + gIdx };
    }
  }
}

/** Bytes of compute dtype. */
export function computeDtypeBytes(q: QuantizationConfig): number {
  return q.compute_dtype === 'fp32' ? 4 : 2;
}

/**
 * Memory a quantized linear needs while it runs, beyond its output. bitsandbytes 4-bit (autograd MatMul4Bit) and
 * the GPTQ/AWQ training paths dequantize the whole weight to the compute dtype for each matmul, in forward and again
 * in backward; LLM.int8 (MatMul8bitLt) instead quantizes the input row-wise to int8 (CA, 1 byte per element, plus
 * an fp32 scale per row).
 */
export function quantizedLinearTransient(q: QuantizationConfig, m: Pick<LinearModule, 'in' | 'out'>, tokens: number): number {
  if (q.method === 'int8') return tokens * m.in + 4 * tokens;
  return m.in * m.out * computeDtypeBytes(q);
}

export function quantizationNotes(q: QuantizationConfig | undefined): string[] {
  if (!q) return [];
  const notes = [
    `Quantization ${q.method}${q.method === 'gptq' || q.method === 'awq' ? ` ${q.bits}-bit` : ''}: decoder-layer linear weights quantized; embeddings, norms, biases and lm_head kept in ${q.kbit_prepared ? 'fp32 (prepare_model_for_kbit_training)' : 'the load dtype'}.`,
  ];
  if (q.method === 'int8') notes.push('LLM.int8: outlier columns (threshold 6.0) run in fp16 at run time; each int8 linear keeps its input for backward when the input requires grad.');
  if (q.method === 'nf4' || q.method === 'fp4') {
    notes.push(`${q.method.toUpperCase()}: one fp32 absmax per 64 weights (${q.double_quant ? 'double-quantized to 8 bits: 0.127' : '0.5'} bit/param); each layer is dequantized to ${q.compute_dtype} while it runs.`);
  }
  return notes;
}
