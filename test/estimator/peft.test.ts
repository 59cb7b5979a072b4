/** PEFT methods: exact trainable counts for the model's module names (estimator/src/peft.ts) and their activations. */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { stateBytes } from '../../estimator/src/optimizer';
import { countParams } from '../../estimator/src/params';
import { precisionPlan } from '../../estimator/src/precision';
import type { PeftConfig, TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';
import { gpt2, job, LLAMA7B_PARAMS, llama7b, mistral7b } from './models';

const GPT2_PARAMS = 124_439_808;
const peft = (p: Partial<PeftConfig>): PeftConfig => ({ method: 'lora', r: 0, alpha: 0, targets: [], dropout: 0, ...p });
const est = (j: TrainingJob) => estimate(j, TEST_GPU);

describe('PEFT trainable parameters', () => {
  it('DoRA: LoRA plus one magnitude per output feature of each targeted module (Liu et al. 2024)', () => {
    const c = countParams(llama7b, peft({ method: 'dora', r: 8, targets: ['q_proj', 'v_proj'] }));
    expect(c.trainable).toBe(32 * (2 * 8 * (4096 + 4096) + 2 * 4096));
    expect(c.by_module.lora).toBe(32 * 2 * 8 * (4096 + 4096));
    expect(c.total).toBe(LLAMA7B_PARAMS + c.trainable);
  });

  it('modules_to_save: a trainable copy beside the frozen original, also of a tied lm_head', () => {
    const c = countParams(llama7b, peft({ r: 8, targets: ['q_proj'], modules_to_save: ['lm_head'] }));
    expect(c.trainable).toBe(32 * 8 * (4096 + 4096) + 32000 * 4096);
    expect(c.by_module.modules_to_save).toBe(32000 * 4096);
    expect(countParams(gpt2, peft({ modules_to_save: ['lm_head'] })).trainable).toBe(50257 * 768);
    expect(countParams(gpt2, peft({ modules_to_save: ['ln_f'] })).trainable).toBe(2 * 768);
  });

  it('Houlsby adapter: 2md + d + m per adapter, two per layer (Houlsby et al. 2019, Sec. 2.1)', () => {
    const c = countParams(gpt2, peft({ method: 'adapter', bottleneck_size: 64 }));
    expect(c.trainable).toBe(12 * 2 * (2 * 64 * 768 + 768 + 64));
    expect(c.total).toBe(GPT2_PARAMS + c.trainable);
    // default bottleneck: hidden / 16
    expect(countParams(gpt2, peft({ method: 'adapter' })).trainable).toBe(12 * 2 * (2 * 48 * 768 + 768 + 48));
  });

  it('BitFit: every bias (GPT-2: 0.08% of the model, as the paper reports for BERT-base); LLaMA has none', () => {
    const c = countParams(gpt2, peft({ method: 'bitfit' }));
    expect(c.trainable).toBe(12 * (2304 + 768 + 3072 + 768 + 768 + 768) + 768);
    expect(c.trainable / c.total).toBeCloseTo(0.0008, 4);
    expect(countParams(llama7b, peft({ method: 'bitfit' })).trainable).toBe(0);
    expect(est(job(llama7b, { peft: peft({ method: 'bitfit' }) })).notes.some((n) => n.includes('no bias'))).toBe(true);
  });

  it('prefix tuning: virtual tokens × layers × 2 × token_dim; token_dim follows the KV heads (PEFT #1901)', () => {
    expect(countParams(gpt2, peft({ method: 'prefix', num_virtual_tokens: 20 })).trainable).toBe(20 * 12 * 2 * 768);
    expect(countParams(mistral7b, peft({ method: 'prefix', num_virtual_tokens: 10 })).trainable).toBe(10 * 32 * 2 * 1024);
    // with the reparametrisation MLP (encoder_hidden_size defaults to token_dim)
    const td = 768;
    const out = 12 * 2 * td;
    expect(countParams(gpt2, peft({ method: 'prefix', num_virtual_tokens: 20, prefix_projection: true })).trainable)
      .toBe(20 * td + (td * td + td) + (td * out + out));
  });

  it('P-tuning: embedding + three-layer MLP prompt encoder; prompt tuning: embedding only', () => {
    expect(countParams(gpt2, peft({ method: 'p-tuning', num_virtual_tokens: 20 })).trainable).toBe(20 * 768 + 3 * (768 * 768 + 768));
    expect(countParams(gpt2, peft({ method: 'p-tuning', num_virtual_tokens: 20, encoder_hidden_size: 128 })).trainable)
      .toBe(20 * 768 + (768 * 128 + 128) + (128 * 128 + 128) + (128 * 768 + 768));
    expect(countParams(llama7b, peft({ method: 'prompt', num_virtual_tokens: 8 })).trainable).toBe(8 * 4096);
    // unset virtual tokens: an assumed default, stated
    expect(est(job(gpt2, { peft: peft({ method: 'prompt' }) })).notes.some((n) => n.includes('assumed 20'))).toBe(true);
  });

  it('AdamW state of prompt tuning: fp32 adapter, two states + step per tensor', () => {
    const j = job(llama7b, { peft: peft({ method: 'prompt', num_virtual_tokens: 8 }) });
    const s = stateBytes(j, precisionPlan(j));
    expect(s.optimizer_states).toBe(2 * 4 * 8 * 4096 + 4);
    expect(s.gradients).toBe(4 * 8 * 4096);
    expect(s.weights).toBe(2 * LLAMA7B_PARAMS + 4 * 8 * 4096);
  });
});

describe('PEFT activations', () => {
  const base = (p: Partial<PeftConfig>) => est(job(gpt2, { micro_batch: 2, seq_len: 256, peft: peft(p) }));

  it('prompt and P-tuning lengthen the sequence: logits over seq + virtual tokens', () => {
    expect(base({ method: 'prompt', num_virtual_tokens: 16 }).detail.logits).toBe(2 * (256 + 16) * 50257 * 2);
    expect(base({ method: 'p-tuning', num_virtual_tokens: 16 }).detail.logits).toBe(2 * (256 + 16) * 50257 * 2);
  });

  it('prefix tuning: keys/values of seq + prefix, logits unchanged, more saved than LoRA', () => {
    const prefix = base({ method: 'prefix', num_virtual_tokens: 16 });
    expect(prefix.detail.logits).toBe(2 * 256 * 50257 * 2);
    const longer = base({ method: 'prefix', num_virtual_tokens: 64 });
    expect(longer.detail.activations_saved).toBeGreaterThan(prefix.detail.activations_saved);
  });

  it('DoRA saves more than LoRA of the same rank (base and LoRA outputs per targeted module)', () => {
    const lora = base({ r: 8, targets: ['c_attn'] }).detail.activations_saved;
    const dora = base({ method: 'dora', r: 8, targets: ['c_attn'] }).detail.activations_saved;
    // layers 1..11 (inputs require grad): base_result [tokens, 2304] bf16 and the fp32 LoRA output
    expect(dora - lora).toBeGreaterThanOrEqual(11 * 512 * 2304 * (2 + 4));
  });

  it('Houlsby adapters save their inputs and bottleneck activations', () => {
    const none = est(job(gpt2, { micro_batch: 2, seq_len: 256, peft: peft({ method: 'bitfit' }) })).detail.activations_saved;
    expect(base({ method: 'adapter', bottleneck_size: 64 }).detail.activations_saved).toBeGreaterThan(none);
  });
});
