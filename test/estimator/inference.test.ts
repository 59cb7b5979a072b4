/**
 * Inference memory: KV cache against its formula and the vLLM paper's figure, Hugging Face generate's
 * prefill/decode peak, vLLM's preallocation and its start-up check.
 */
import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { estimate } from '../../estimator/src/estimate';
import { kvBytesPerToken, VLLM_BLOCK_TOKENS, vllmProfileBudget } from '../../estimator/src/inference';
import { countParams } from '../../estimator/src/params';
import type { InferenceConfig, TrainingJob } from '../../estimator/src/types';

const a100 = findGpu('A100-80GB')!;
const llama7b = findModel('meta-llama/Llama-2-7b-hf')!;
const hf: InferenceConfig = { engine: 'hf', prompt_len: 512, max_new_tokens: 256, batch: 4, kv_cache_dtype: 'bf16' };
const base: TrainingJob = {
  model: llama7b, micro_batch: 1, grad_accum: 1, seq_len: 768, precision: 'bf16', amp_style: 'autocast',
  optimizer: 'adamw', grad_checkpointing: false, attention: 'sdpa', peft: null, gpus: 1, inference: hf,
};
const run = (j: Partial<TrainingJob> = {}, inf: Partial<InferenceConfig> = {}) =>
  estimate({ ...base, ...j, inference: { ...hf, ...inf } }, a100);

describe('KV cache', () => {
  it('is layers × 2 × kv_heads × head_dim × bytes per token (OPT-13B, from the vLLM paper: accuracy.test.ts)', () => {
    expect(kvBytesPerToken(llama7b, hf)).toBe(32 * 2 * 32 * 128 * 2);
    expect(kvBytesPerToken(llama7b, { ...hf, kv_cache_dtype: 'fp8' })).toBe(32 * 2 * 32 * 128);
  });

  it('GQA shrinks it by heads / kv_heads', () => {
    const gqa = { ...llama7b, num_kv_heads: 8 };
    expect(kvBytesPerToken(llama7b, hf) / kvBytesPerToken(gqa, hf)).toBe(4);
  });
});

describe('Hugging Face generate()', () => {
  it('weights in the model dtype, no gradients or optimizer states, components add up', () => {
    const e = run();
    const p = e.per_gpu;
    expect(p.weights).toBe(2 * countParams(llama7b).total);
    expect(p.gradients + p.optimizer_states + p.autocast_weight_copies).toBe(0);
    expect(p.total).toBe(p.weights + p.activations + p.other + p.kv_cache!);
    expect(e.params.trainable).toBe(0);
    expect(p.peak_allocated!).toBeLessThanOrEqual(p.peak_reserved!);
    expect(p.peak_reserved!).toBeLessThan(p.device_used!);
    expect(p.device_used).toBe(p.total);
  });

  it('4-bit NF4 weights: about a quarter of bf16 (embedding and LM head stay bf16), dequantized one matmul at a time', () => {
    const quantization = { method: 'nf4' as const, bits: 4 as const, double_quant: true, compute_dtype: 'bf16' as const, kbit_prepared: false };
    const q = run({ quantization });
    const ratio = q.per_gpu.weights / run().per_gpu.weights;
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.31);
    // the largest dequantized weight (an 11008 × 4096 MLP projection in bf16) joins the forward transient
    expect(q.detail.prefill_transient - run().detail.prefill_transient).toBe(11008 * 4096 * 2);
  });

  it('short prompt, long generation: the peak is the full cache of prompt + new − 1 positions', () => {
    const e = run({}, { prompt_len: 16, max_new_tokens: 4000 });
    expect(e.per_gpu.kv_cache).toBe(kvBytesPerToken(llama7b, hf) * (16 + 3999) * 4);
    expect(e.per_gpu.activations).toBe(e.detail.decode_transient);
  });

  it('long prompt: the peak is the prefill, with the prompt-long cache and the prefill transient', () => {
    const e = run({}, { prompt_len: 4000, max_new_tokens: 2 });
    expect(e.per_gpu.kv_cache).toBe(kvBytesPerToken(llama7b, hf) * 4000 * 4);
    expect(e.per_gpu.activations).toBe(e.detail.prefill_transient);
    // SwiGLU MLP intermediates dominate with SDPA: 3 × tokens × 11008 × 2 bytes plus the residual stream and its norm
    expect(e.detail.prefill_transient).toBe(4 * 4000 * (3 * 11008 + 2 * 4096) * 2);
  });

  it('eager attention materialises the score matrix: quadratic in the prompt', () => {
    const eager = (s: number) => run({ attention: 'eager' }, { prompt_len: s, max_new_tokens: 1 }).detail.prefill_transient;
    const sdpa = (s: number) => run({ attention: 'sdpa' }, { prompt_len: s, max_new_tokens: 1 }).detail.prefill_transient;
    expect(eager(4096)).toBeGreaterThan(3.5 * eager(2048));
    expect(sdpa(4096)).toBe(2 * sdpa(2048));
  });

  it('does not fit when the cache outgrows the GPU, and says by how much', () => {
    expect(run().fits).toBe(true);
    const huge = run({}, { batch: 64, prompt_len: 4096, max_new_tokens: 4096 });
    expect(huge.fits).toBe(false);
    expect(huge.per_gpu.total).toBeGreaterThan(a100.memory_bytes);
  });
});

describe('degenerate inference settings', () => {
  it('an empty batch, prompt or generation gives finite bytes, never NaN', () => {
    for (const inf of [{ batch: 0 }, { prompt_len: 0 }, { max_new_tokens: 0 }, { engine: 'vllm' as const, max_model_len: 0, gpu_memory_utilization: 0 }]) {
      const e = run({}, inf);
      for (const [key, v] of Object.entries(e.per_gpu)) expect(Number.isFinite(v), `${JSON.stringify(inf)} ${key}`).toBe(true);
      for (const [key, v] of Object.entries(e.detail)) expect(Number.isFinite(v), `${JSON.stringify(inf)} ${key}`).toBe(true);
    }
  });
});

describe('vLLM preallocation', () => {
  const vllm = { engine: 'vllm' as const, max_model_len: 4096 };

  it('holds gpu_memory_utilization × capacity whatever the batch (what nvidia-smi shows)', () => {
    const e = run({}, vllm);
    expect(e.per_gpu.device_used).toBe(Math.floor(0.9 * a100.memory_bytes));
    expect(run({}, { ...vllm, batch: 1 }).per_gpu.device_used).toBe(e.per_gpu.device_used);
    expect(run({}, { ...vllm, gpu_memory_utilization: 0.5 }).per_gpu.device_used).toBe(Math.floor(0.5 * a100.memory_bytes));
  });

  it('the KV cache is what is left, in whole 16-token blocks', () => {
    const e = run({}, vllm);
    const left = e.detail.vllm_budget - e.per_gpu.weights - e.per_gpu.activations - e.detail.cuda_context;
    const block = kvBytesPerToken(llama7b, hf) * VLLM_BLOCK_TOKENS;
    expect(e.per_gpu.kv_cache).toBe(Math.floor(left / block) * block);
    expect(e.detail.vllm_kv_tokens).toBe(e.per_gpu.kv_cache! / kvBytesPerToken(llama7b, hf));
    expect(run({}, { ...vllm, kv_cache_dtype: 'fp8' }).detail.vllm_kv_tokens).toBeGreaterThan(1.99 * e.detail.vllm_kv_tokens);
  });

  it('fails to start when one max_model_len sequence does not fit the cache', () => {
    const l4 = findGpu('L4')!;
    // 24 GiB × 0.9 less 12.6 GiB of weights leaves ~8 GiB = ~16k tokens of Llama-2-7B KV cache
    const ok = estimate({ ...base, inference: { ...hf, ...vllm, max_model_len: 4096 } }, l4);
    expect(ok.fits).toBe(true);
    const tooLong = estimate({ ...base, inference: { ...hf, ...vllm, max_model_len: 32768 } }, l4);
    expect(tooLong.fits).toBe(false);
    expect(tooLong.detail.vllm_kv_tokens).toBeLessThan(32768);
    // weights alone over the budget: no cache block at all
    expect(estimate({ ...base, inference: { ...hf, ...vllm, gpu_memory_utilization: 0.4 } }, l4).fits).toBe(false);
  });

  it("profiles at the LLM class's batch budget: 16384 tokens on ≥ 70 GiB GPUs other than the A100, else 8192", () => {
    expect(vllmProfileBudget(findGpu('H100-SXM-80GB')!)).toEqual({ tokens: 16384, seqs: 1024 });
    expect(vllmProfileBudget(a100)).toEqual({ tokens: 8192, seqs: 256 });
    expect(vllmProfileBudget(findGpu('L4')!)).toEqual({ tokens: 8192, seqs: 256 });
  });

  it('tensor parallelism splits weights and KV heads', () => {
    const parallel = { tensor: 2, pipeline: 1, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b' as const, pipeline_micro_batches: 1 };
    const one = run({}, vllm);
    const two = run({ gpus: 2, parallel }, vllm);
    expect(two.per_gpu.weights).toBe(Math.ceil(one.per_gpu.weights / 2));
    expect(two.detail.kv_bytes_per_token).toBe(one.detail.kv_bytes_per_token / 2);
    expect(two.detail.vllm_kv_tokens).toBeGreaterThan(2 * one.detail.vllm_kv_tokens);
  });
});
