/**
 * FLOPs and time against the formulas of their sources, computed here by hand from the architecture, and
 * against Narayanan et al. 2021 Eq. 3. Published totals (GPT-3 compute, Llama 2 GPU hours, Mixtral's active
 * parameters) are checked in accuracy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../estimator/src/catalog';
import { computeEstimate, DEFAULT_UTILIZATION, peakFlops } from '../../estimator/src/compute';
import { estimate } from '../../estimator/src/estimate';
import { flopsPerStep, tokensPerStep, trainingFlopsPerToken } from '../../estimator/src/flops';
import type { ModelArch, TrainingJob } from '../../estimator/src/types';
import { TEST_GPU } from './cases';

const llama7b = findModel('meta-llama/Llama-2-7b-hf')!;
const job: TrainingJob = {
  model: llama7b, micro_batch: 4, grad_accum: 2, seq_len: 2048, precision: 'bf16-mixed', amp_style: 'autocast',
  optimizer: 'adamw', grad_checkpointing: false, attention: 'sdpa', peft: null, gpus: 1,
};
const with_ = (j: Partial<TrainingJob>): TrainingJob => ({ ...job, ...j });

// Llama-2-7B matmul weights by hand: per layer q,k,v,o 4096² and gate/up/down 4096·11008; LM head 32000·4096
const LAYERS_N = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008);
const HEAD_N = 32000 * 4096;
const ATTN = (s: number) => 4 * 32 * s * 4096; // forward QKᵀ + AV per token

describe('training FLOPs per token', () => {
  it('is 6N plus 12·L·s·d for full training (Kaplan et al. 2020; Narayanan et al. 2021)', () => {
    const f = trainingFlopsPerToken(job);
    expect(f.model).toBe(6 * (LAYERS_N + HEAD_N) + 3 * ATTN(2048));
    expect(f.hardware).toBe(f.model);
  });

  it('full recomputation reruns the layers (8N for them), selective only the attention core', () => {
    const full = trainingFlopsPerToken(with_({ grad_checkpointing: true }));
    expect(full.hardware).toBe(8 * LAYERS_N + 6 * HEAD_N + 4 * ATTN(2048));
    expect(full.model).toBe(trainingFlopsPerToken(job).model);
    const selective = trainingFlopsPerToken(with_({ grad_checkpointing: true, checkpointing_mode: 'selective' }));
    expect(selective.hardware).toBe(6 * (LAYERS_N + HEAD_N) + 4 * ATTN(2048));
  });

  it('LoRA: frozen weights skip their weight gradient (4N), adapters cost 6 per parameter', () => {
    const peft = { method: 'lora' as const, r: 8, alpha: 16, targets: ['q_proj', 'v_proj'], dropout: 0 };
    const lora = 32 * 2 * 8 * (4096 + 4096);
    expect(trainingFlopsPerToken(with_({ peft })).model).toBe(4 * (LAYERS_N + HEAD_N) + 6 * lora + 3 * ATTN(2048));
  });

  it('matches Narayanan et al. 2021 Eq. 3 exactly for a GPT layout with recomputation', () => {
    // F = 96·B·s·l·h²·(1 + s/6h + V/16lh) per iteration of batch B (GPT-3 layout: ffn 4h, 12h² per layer)
    const arch: ModelArch = {
      id: 'gpt-test', family: 'gpt2', hidden_size: 2048, intermediate_size: 8192, num_layers: 24, num_heads: 16,
      num_kv_heads: 16, vocab_size: 51200, max_position_embeddings: 2048, tie_word_embeddings: true,
    };
    const [B, s, l, h, V] = [8, 2048, 24, 2048, 51200];
    const eq3 = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    const ours = flopsPerStep(with_({ model: arch, micro_batch: B, grad_accum: 1, seq_len: s, grad_checkpointing: true }));
    expect(ours / eq3).toBeCloseTo(1, 12);
  });

  it('counts tokens over data-parallel replicas only; a pipeline runs its micro-batches per flush', () => {
    const parallel = { tensor: 2, pipeline: 1, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b' as const, pipeline_micro_batches: 8 };
    // 8 GPUs, TP 2: 4 replicas of micro-batch 4 × 2048 × accumulation 2
    expect(tokensPerStep(with_({ gpus: 8, parallel }))).toBe(4 * 2048 * 2 * 4);
    // TP 2 × PP 2: 2 replicas, 8 micro-batches per pipeline flush
    expect(tokensPerStep(with_({ gpus: 8, parallel: { ...parallel, pipeline: 2 } }))).toBe(4 * 2048 * 8 * 2);
    expect(flopsPerStep(with_({ gpus: 8 }))).toBe(8 * flopsPerStep(job));
  });
});

describe('mixture of experts', () => {
  const mixtral: ModelArch = {
    id: 'mistralai/Mixtral-8x7B-v0.1', family: 'llama', hidden_size: 4096, intermediate_size: 14336, num_layers: 32,
    num_heads: 32, num_kv_heads: 8, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
    num_experts: 8, experts_per_token: 2,
  };

  it('compute follows the active experts: 2 of 8 experts cost twice one dense FFN, not eight times', () => {
    const dense = { ...mixtral, num_experts: undefined, experts_per_token: undefined };
    const moe = trainingFlopsPerToken(with_({ model: mixtral })).model;
    const one = trainingFlopsPerToken(with_({ model: dense })).model;
    const expertFfn = 3 * 4096 * 14336;
    const router = 4096 * 8;
    expect(moe - one).toBe(6 * 32 * (expertFfn + router));
  });
});

describe('inference FLOPs', () => {
  it('prefill plus decode: 2N per token plus attention over the growing context', () => {
    const inference = { engine: 'hf' as const, prompt_len: 100, max_new_tokens: 10, batch: 2, kv_cache_dtype: 'bf16' as const };
    const f = flopsPerStep(with_({ inference }));
    let expected = 2 * 100 * (2 * (LAYERS_N + HEAD_N) + ATTN(100));
    for (let t = 1; t <= 10; t++) expected += 2 * (2 * (LAYERS_N + HEAD_N) + ATTN(100 + t));
    expect(f).toBe(expected);
    const c = computeEstimate(with_({ inference }), TEST_GPU);
    expect(c.tokens_per_step).toBe(2 * 110);
  });
});

describe('time at a stated utilization', () => {
  it('step time = hardware FLOPs / (GPUs × peak × utilization); MFU reports model FLOPs', () => {
    const c = computeEstimate(with_({ grad_checkpointing: true }), TEST_GPU);
    const f = trainingFlopsPerToken(with_({ grad_checkpointing: true }));
    const tokens = 4 * 2048 * 2;
    expect(c.step_time_s).toBeCloseTo((f.hardware * tokens) / (312e12 * DEFAULT_UTILIZATION), 9);
    expect(c.tokens_per_s).toBeCloseTo(tokens / c.step_time_s, 6);
    expect(c.mfu).toBeCloseTo((DEFAULT_UTILIZATION * f.model) / f.hardware, 12);
    expect(c.total_time_s).toBeUndefined();
  });

  it('whole run: C = (6N + attention)·D and its time when total_steps is known', () => {
    const c = computeEstimate(with_({ total_steps: 1000 }), TEST_GPU);
    expect(c.total_tokens).toBe(1000 * 4 * 2048 * 2);
    expect(c.total_model_flops).toBe(trainingFlopsPerToken(job).model * c.total_tokens!);
    expect(c.total_time_s).toBeCloseTo(1000 * c.step_time_s, 6);
  });

  it('peak by compute dtype: half tensor cores, fp32 CUDA cores, TF32 at half the fp16 rate on Ampere+', () => {
    expect(peakFlops(job, TEST_GPU)).toBe(312e12);
    expect(peakFlops(with_({ precision: 'fp32' }), TEST_GPU)).toBe(19.5e12);
    expect(peakFlops(with_({ precision: 'fp32', tf32: true }), TEST_GPU)).toBe(156e12);
    const v100 = findGpu('V100-32GB')!;
    expect(peakFlops(with_({ precision: 'fp32', tf32: true }), v100)).toBe(v100.peak_fp32_tflops * 1e12);
  });

  it('pipeline bubble adds (p − 1)/m of the ideal time', () => {
    const parallel = { tensor: 1, pipeline: 4, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b' as const, pipeline_micro_batches: 8 };
    // 4 GPUs either way, 8 micro-batches per step either way: 4 replicas × accumulation 8, or one pipeline of 8
    const flat = computeEstimate(with_({ gpus: 4, grad_accum: 8 }), TEST_GPU);
    const piped = computeEstimate(with_({ gpus: 4, parallel }), TEST_GPU);
    expect(piped.tokens_per_step * 4).toBe(flat.tokens_per_step);
    expect(piped.step_time_s / (flat.step_time_s / 4)).toBeCloseTo(1 + 3 / 8, 9);
  });

  it('degenerate jobs give zeros, never NaN or Infinity', () => {
    const inference = { engine: 'hf' as const, prompt_len: 0, max_new_tokens: 0, batch: 0, kv_cache_dtype: 'bf16' as const };
    for (const j of [with_({ micro_batch: 0 }), with_({ gpus: 0 }), with_({ inference }), with_({ seq_len: 0, total_steps: 10 })]) {
      for (const [key, v] of Object.entries(computeEstimate(j, TEST_GPU))) expect(Number.isFinite(v), key).toBe(true);
    }
    const noPeak = { ...TEST_GPU, peak_half_tflops: 0 };
    expect(computeEstimate(job, noPeak)).toMatchObject({ step_time_s: 0, tokens_per_s: 0, mfu: 0 });
  });

  it('estimate() carries the compute figures', () => {
    const e = estimate(job, TEST_GPU);
    expect(e.compute?.step_time_s).toBeGreaterThan(0);
    expect(e.compute?.flops_per_token).toBe(e.flops_per_step / e.compute!.tokens_per_step);
  });
});
