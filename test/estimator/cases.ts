/** Builds TrainingJobs from the calibration cases in test/fixtures/calibration/measured.json. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Gpu, ModelArch, TrainingJob } from '../../estimator/src/types';

export interface Case {
  case_id: string;
  family: 'gpt2' | 'llama';
  arch_summary: {
    hidden: number; layers: number; heads: number; kv_heads: number; ffn: number; vocab: number; max_positions: number; tied: boolean;
  };
  batch: number;
  seq: number;
  dtype_mode: 'fp32' | 'bf16_autocast' | 'bf16';
  optimizer: 'adamw' | 'adamw_master' | 'sgd' | 'sgd_momentum';
  grad_checkpointing: boolean;
  lora: { r: number; alpha: number; targets: string[]; dropout: number } | null;
  mode: 'run' | 'analytic';
  measured: Record<string, number | null>;
  details: Record<string, unknown> & {
    master_grad_bytes?: number;
    param_cast_bytes?: number;
    optimizer_state_breakdown?: Record<string, number>;
    cuda_autocast_emulation?: { activation_bytes: number; param_cast_bytes: number; logits_bytes: number };
  };
}

export const CALIBRATION = process.env.TRAINLENS_CALIBRATION ?? resolve(__dirname, '../fixtures/calibration/measured.json');

export function loadCases(): Case[] {
  if (!existsSync(CALIBRATION)) throw new Error(`calibration data not found at ${CALIBRATION}`);
  return JSON.parse(readFileSync(CALIBRATION, 'utf8')) as Case[];
}

export function archOf(c: Case): ModelArch {
  const a = c.arch_summary;
  return {
    id: 'custom',
    family: c.family,
    hidden_size: a.hidden,
    intermediate_size: a.ffn,
    num_layers: a.layers,
    num_heads: a.heads,
    num_kv_heads: a.kv_heads,
    vocab_size: a.vocab,
    max_position_embeddings: a.max_positions,
    tie_word_embeddings: a.tied,
  };
}

export function jobOf(c: Case): TrainingJob {
  const master = c.optimizer === 'adamw_master';
  return {
    model: archOf(c),
    micro_batch: c.batch,
    grad_accum: 1,
    seq_len: c.seq,
    precision: c.dtype_mode === 'fp32' ? 'fp32' : c.dtype_mode === 'bf16_autocast' || master ? 'bf16-mixed' : 'bf16',
    amp_style: master ? 'master_weights' : 'autocast',
    optimizer: master ? 'adamw' : c.optimizer === 'sgd' && c.details.optimizer_state_breakdown?.momentum_buffer ? 'sgd_momentum' : (c.optimizer as 'adamw' | 'sgd'),
    grad_checkpointing: c.grad_checkpointing,
    attention: 'eager',
    peft: c.lora ? { method: 'lora', ...c.lora } : null,
    gpus: 1,
  };
}

/** A GPU for tests: 80 GiB, bf16. */
export const TEST_GPU: Gpu = {
  id: 'TEST-80GB',
  name: 'test GPU',
  memory_bytes: 80 * 2 ** 30,
  bf16: true,
  peak_half_tflops: 312,
  peak_fp32_tflops: 19.5,
  source: 'test fixture',
};
