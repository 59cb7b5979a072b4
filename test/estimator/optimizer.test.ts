/**
 * Optimizer state bytes, exact, from what each implementation allocates (sources in estimator/src/optimizer.ts).
 * Llama-2-7B: every parameter tensor has a multiple of 256 elements and at least 4096 (the RMSNorm weights have
 * exactly 4096), so bitsandbytes 8-bit states are 1 byte/element + 4 bytes per 256 for every tensor.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { stateBytes, tensorState } from '../../estimator/src/optimizer';
import { precisionPlan } from '../../estimator/src/precision';
import type { Optimizer, TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';
import { gpt2, job, LLAMA7B_PARAMS as N, llama7b } from './models';

const states = (j: TrainingJob) => stateBytes(j, precisionPlan(j));
const llama = (optimizer: Optimizer, over: Partial<TrainingJob> = {}) => states(job(llama7b, { optimizer, ...over }));
/** Llama-2-7B tensors: 9 per layer (7 linears, 2 norms) · 32 + embed_tokens + norm + lm_head. */
const LLAMA_TENSORS = 9 * 32 + 3;
const QMAP = 256 * 4;

describe('optimizer states', () => {
  it('AdamW: two states in the parameter dtype and a 4-byte step per tensor', () => {
    expect(llama('adamw').optimizer_states).toBe(2 * 2 * N + 4 * LLAMA_TENSORS);
    expect(llama('adamw', { precision: 'fp32' }).optimizer_states).toBe(2 * 4 * N + 4 * LLAMA_TENSORS);
  });

  it('8-bit AdamW: 1 byte per state element + an fp32 absmax per 256-block, shared code tables', () => {
    const s = llama('adamw_8bit');
    expect(s.optimizer_states).toBe(2 * N + 2 * 4 * (N / 256) + 2 * QMAP);
    expect(s.detail.optimizer_absmax_bytes).toBe(N / 32);
    // Dettmers et al. 2022 (8-bit Optimizers, abstract): 8-bit states use ~75% less than 32-bit Adam
    const ratio = s.optimizer_states / llama('adamw', { precision: 'fp32' }).optimizer_states;
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.26);
  });

  it('8-bit states only for tensors of ≥ 4096 elements (min_8bit_size): GPT-2 biases keep fp32 states', () => {
    const small = tensorState('adamw_8bit', [768], 2);
    expect(small).toMatchObject({ moments: 2 * 768 * 4, absmax: 0, eightBit: false });
    const big = tensorState('adamw_8bit', [768, 2304], 2);
    expect(big.moments + big.absmax).toBe(2 * 768 * 2304 + 2 * 4 * Math.ceil((768 * 2304) / 256));
    expect(tensorState('adamw_8bit', [4095], 2).eightBit).toBe(false);
    expect(tensorState('adamw_8bit', [4096], 2).eightBit).toBe(true);
    expect(tensorState('adamw_8bit', [4097], 2).absmax).toBe(2 * 4 * 17);
  });

  it('paged variants: same bytes, states of ≥ 1e5 elements in unified memory (noted)', () => {
    const paged = llama('paged_adamw_8bit');
    expect(paged.optimizer_states).toBe(llama('adamw_8bit').optimizer_states);
    // every Llama tensor except the 65 RMSNorm weights (4096 elements) is paged; absmaxes are ordinary tensors
    expect(paged.detail.optimizer_paged_bytes).toBe(2 * (N - 65 * 4096));
    expect(paged.notes.some((n) => n.includes('unified memory'))).toBe(true);
    const p32 = llama('paged_adamw_32bit');
    expect(p32.optimizer_states).toBe(2 * 4 * N); // fp32 states for bf16 parameters; step is a Python int
    expect(p32.detail.optimizer_paged_bytes).toBe(2 * 4 * (N - 65 * 4096));
  });

  it('Lion: one fp32 momentum; lion_8bit one uint8 state + absmax', () => {
    expect(llama('lion').optimizer_states).toBe(4 * N);
    expect(llama('lion_8bit').optimizer_states).toBe(N + 4 * (N / 256) + QMAP);
  });

  it('Adafactor: row + column fp32 vectors for matrices, full second moment for vectors, no first moment', () => {
    const h = 4096;
    const f = 11008;
    const perLayer = 4 * (h + h) + 3 * (h + f) + 2 * h;
    const expected = 4 * (32 * perLayer + 2 * (32000 + h) + h);
    expect(llama('adafactor').optimizer_states).toBe(expected);
    // Shazeer & Stern 2018: sublinear memory; here under 0.1% of AdamW's fp32 states
    expect(expected / (8 * N)).toBeLessThan(0.001);
  });

  it('SGD keeps nothing; with momentum one buffer in the parameter dtype', () => {
    expect(llama('sgd').optimizer_states).toBe(0);
    expect(llama('sgd_momentum').optimizer_states).toBe(2 * N);
  });

  it('master weights: fp32 copy and fp32 states whatever the optimizer', () => {
    const s = llama('lion', { precision: 'bf16-mixed', amp_style: 'master_weights' });
    expect(s.optimizer_states).toBe(4 * N + 4 * N);
    expect(s.gradients).toBe(2 * N + 4 * N);
  });

  it('LoRA with an 8-bit optimizer: adapter tensors under 4096 elements stay 32-bit', () => {
    // GPT-2 c_attn LoRA r=4: lora_A [4, 768] = 3072 elements (fp32 states), lora_B [2304, 4] = 9216 (8-bit)
    const s = states(job(gpt2, { optimizer: 'adamw_8bit', peft: { method: 'lora', r: 4, alpha: 8, targets: ['c_attn'], dropout: 0 } }));
    expect(s.optimizer_states).toBe(12 * (2 * 3072 * 4 + 2 * 9216 + 2 * 4 * 36) + 2 * QMAP);
  });

  it('reaches the estimate: optimizer_states component and detail', () => {
    const e = estimate(job(llama7b, { optimizer: 'adamw_8bit' }), TEST_GPU);
    expect(e.per_gpu.optimizer_states).toBe(llama('adamw_8bit').optimizer_states);
    expect(e.detail.optimizer_qmap_bytes).toBe(2 * QMAP);
  });
});
