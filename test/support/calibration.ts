/**
 * The calibration cases of test/fixtures/calibration (memory measured from real PyTorch training
 * steps) and the TrainingJob each one describes, for the estimator and extraction tests.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelArch, Optimizer, Precision, TrainingJob } from '../../estimator/src/types';

export const CALIBRATION_DIR = resolve(__dirname, '../fixtures/calibration');

export interface CalibrationCase {
  case_id: string;
  script: string;
  family: 'gpt2' | 'llama';
  arch_summary: { hidden: number; layers: number; heads: number; kv_heads: number; ffn: number; vocab: number; max_positions: number; tied: boolean };
  batch: number;
  seq: number;
  dtype_mode: 'fp32' | 'bf16_autocast' | 'bf16';
  optimizer: 'adamw' | 'adamw_master' | 'sgd';
  grad_checkpointing: boolean;
  lora: { r: number; alpha: number; targets: string[]; dropout: number } | null;
  mode: 'run' | 'analytic';
  measured: Record<string, number | null>;
  details: Record<string, unknown> & { optimizer_state_breakdown?: Record<string, number> };
}

export function calibrationCases(): CalibrationCase[] {
  return JSON.parse(readFileSync(join(CALIBRATION_DIR, 'measured.json'), 'utf8')) as CalibrationCase[];
}

/** The job a case ran: every script uses eager attention and one GPU. */
export function expectedJob(c: CalibrationCase): TrainingJob {
  const a = c.arch_summary;
  const model: ModelArch = {
    id: c.case_id, family: c.family, hidden_size: a.hidden, intermediate_size: a.ffn, num_layers: a.layers,
    num_heads: a.heads, num_kv_heads: a.kv_heads, vocab_size: a.vocab, max_position_embeddings: a.max_positions,
    tie_word_embeddings: a.tied,
  };
  const precision: Precision = c.dtype_mode === 'fp32' ? 'fp32' : c.dtype_mode === 'bf16_autocast' || c.optimizer === 'adamw_master' ? 'bf16-mixed' : 'bf16';
  const momentum = c.details.optimizer_state_breakdown?.momentum_buffer !== undefined;
  const optimizer: Optimizer = c.optimizer === 'sgd' ? (momentum ? 'sgd_momentum' : 'sgd') : 'adamw';
  return {
    model, micro_batch: c.batch, grad_accum: 1, seq_len: c.seq, precision,
    amp_style: c.optimizer === 'adamw_master' ? 'master_weights' : 'autocast', optimizer,
    grad_checkpointing: c.grad_checkpointing, attention: 'eager',
    peft: c.lora && { method: 'lora', r: c.lora.r, alpha: c.lora.alpha, targets: c.lora.targets, dropout: c.lora.dropout },
    gpus: 1,
  };
}
