/**
 * Quantized weight storage: exact bytes per scheme (estimator/src/quantization.ts) and the QLoRA paper's figures
 * (Dettmers et al. 2023, "QLoRA: Efficient Finetuning of Quantized LLMs").
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { quantizedLinearBytes } from '../../estimator/src/quantization';
import type { QuantizationConfig, TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';
import { job, llama65b, llama7b, llamaLinearParams } from './models';

const q = (over: Partial<QuantizationConfig>): QuantizationConfig => ({
  method: 'nf4', bits: 4, double_quant: false, compute_dtype: 'bf16', kbit_prepared: false, ...over,
});
const square = { in: 4096, out: 4096 };
const n = 4096 * 4096;
const bitsPerParam = (bytes: number, count: number) => (8 * bytes) / count;

describe('quantized linear storage', () => {
  it('NF4: 4 bits + one fp32 absmax per 64 (0.5 bit/param) + the 16-entry code table', () => {
    const b = quantizedLinearBytes(q({}), square);
    expect(b).toEqual({ data: n / 2, constants: 4 * (n / 64) + 64 });
    expect(bitsPerParam(b.constants, n)).toBeCloseTo(0.5, 4);
  });

  it('NF4 double quant: 8-bit absmax per 64 + fp32 per 256 of those = 0.127 bit/param (QLoRA Sec. 3)', () => {
    const b = quantizedLinearBytes(q({ double_quant: true }), square);
    expect(b.constants).toBe(n / 64 + 4 * (n / 64 / 256) + 4 * 256 + 4 + 64);
    expect(bitsPerParam(b.constants, n)).toBeCloseTo(0.127, 3);
  });

  it('QLoRA: double quantization saves about 3 GB on a 65B model (0.373 bit/param)', () => {
    const base = estimate(job(llama65b, { quantization: q({}) }), TEST_GPU).detail.quant_constants_bytes;
    const dq = estimate(job(llama65b, { quantization: q({ double_quant: true }) }), TEST_GPU).detail.quant_constants_bytes;
    expect(base - dq).toBeGreaterThan(2.9e9);
    expect(base - dq).toBeLessThan(3.1e9);
  });

  it('LLM.int8: one byte per weight + an fp32 scale per output row (about half of fp16)', () => {
    const b = quantizedLinearBytes(q({ method: 'int8', bits: 8 }), { in: 4096, out: 11008 });
    expect(b).toEqual({ data: 4096 * 11008, constants: 4 * 11008 });
    // Dettmers et al. 2022 (LLM.int8(), abstract): halves inference memory against 16-bit weights
    expect((b.data + b.constants) / (2 * 4096 * 11008)).toBeCloseTo(0.5, 3);
  });

  it('GPTQ 4-bit, group 128: packed int32 qweight, qzeros, fp16 scales, int32 g_idx', () => {
    const b = quantizedLinearBytes(q({ method: 'gptq', group_size: 128 }), square);
    const groups = 4096 / 128;
    expect(b).toEqual({ data: n / 2, constants: groups * 4096 * 0.5 + groups * 4096 * 2 + 4 * 4096 });
    expect(bitsPerParam(b.data + b.constants, n)).toBeCloseTo(4.164, 3);
    const g8 = quantizedLinearBytes(q({ method: 'gptq', bits: 8, group_size: 128 }), square);
    expect(g8.data).toBe(n);
  });

  it('AWQ 4-bit: as GPTQ without g_idx; group_size -1 means one group per column', () => {
    const b = quantizedLinearBytes(q({ method: 'awq', group_size: 128 }), square);
    expect(b.constants).toBe(32 * 4096 * 0.5 + 32 * 4096 * 2);
    expect(quantizedLinearBytes(q({ method: 'awq', group_size: -1 }), square).constants).toBe(4096 * 0.5 + 4096 * 2);
  });
});

describe('quantized training jobs', () => {
  const qlora = (over: Partial<TrainingJob> = {}, quant: Partial<QuantizationConfig> = {}) =>
    job(llama7b, {
      precision: 'bf16-mixed', amp_style: 'autocast', grad_checkpointing: true,
      peft: { method: 'lora', r: 16, alpha: 32, targets: ['all-linear'], dropout: 0.05 },
      quantization: q({ double_quant: true, kbit_prepared: true, ...quant }), ...over,
    });

  it('weights: quantized decoder linears + embeddings, norms and lm_head upcast to fp32 + fp32 adapters', () => {
    const e = estimate(qlora(), TEST_GPU);
    const lin = llamaLinearParams(llama7b);
    const unquantized = 2 * 32000 * 4096 + 4096 * (2 * 32 + 1);
    expect(e.detail.unquantized_weight_bytes).toBe(4 * unquantized);
    expect(e.detail.quantized_weight_bytes).toBe(lin / 2);
    const lora = 32 * 16 * (4 * (4096 + 4096) + 2 * (4096 + 11008) + (11008 + 4096));
    expect(e.params.trainable).toBe(lora);
    expect(e.per_gpu.weights).toBe(lin / 2 + e.detail.quant_constants_bytes + 4 * unquantized + 4 * lora);
    // without prepare_model_for_kbit_training the unquantized tensors stay in the load dtype (bf16 here)
    const raw = estimate(qlora({ precision: 'bf16' }, { kbit_prepared: false }), TEST_GPU);
    expect(raw.detail.unquantized_weight_bytes).toBe(2 * unquantized);
  });

  it('quantized weights get no gradients and no autocast copies; each layer is dequantized while it runs', () => {
    const e = estimate(qlora(), TEST_GPU);
    expect(e.per_gpu.gradients).toBe(4 * e.params.trainable);
    // autocast only casts lm_head (fp32 after kbit preparation, frozen, input requires grad)
    expect(e.detail.autocast_casts_saved).toBe(2 * 32000 * 4096);
    expect(e.detail.module_transient).toBe(2 * 4096 * 11008);
  });

  it('LLM.int8 keeps each linear input for backward; 4-bit does not', () => {
    const nf4 = estimate(qlora({ grad_checkpointing: false }), TEST_GPU).detail.activations_saved;
    const int8 = estimate(qlora({ grad_checkpointing: false }, { method: 'int8', bits: 8 }), TEST_GPU).detail.activations_saved;
    expect(int8).toBeGreaterThan(nf4);
  });

  it('QLoRA 65B: 16-bit full finetuning needs > 780 GB, the 4-bit LoRA job fits 48 GB (paper abstract)', () => {
    const full = estimate(job(llama65b, { precision: 'bf16-mixed', amp_style: 'master_weights' }), TEST_GPU);
    expect(full.per_gpu.weights + full.per_gpu.gradients + full.per_gpu.optimizer_states).toBeGreaterThan(780e9);
    // the paper's recipe: NF4 + double quant, LoRA r=64 on all linear layers, paged AdamW, checkpointing, batch 1
    const peft = { method: 'lora' as const, r: 64, alpha: 16, targets: ['all-linear'], dropout: 0.05 };
    const e = estimate(qlora({ model: llama65b, optimizer: 'paged_adamw_32bit', peft }), TEST_GPU);
    const resident = e.per_gpu.total - e.detail.optimizer_paged_bytes;
    // paged optimizer states can move to host memory (the paper's reason for paging), so what must stay is the rest
    expect(resident).toBeLessThan(48e9);
  });
});
