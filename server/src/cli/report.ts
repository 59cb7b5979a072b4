/**
 * The JSON contract of `trainlens explain --json` / `check --format json` (documented in the
 * README; fields are added, never renamed). Sizes are integer bytes.
 */
import { countParams } from '../../../estimator/src';
import type { Analysis } from '../analysis/types';
import { simulationsOf } from '../render/simulations';
import { fitOf } from '../workspace/summary';

export const REPORT_VERSION = 1;

export function jsonReport(analysis: Analysis): Record<string, unknown> {
  const { job, estimate } = analysis;
  const params = job ? countParams(job.model, job.peft) : undefined;
  return {
    version: REPORT_VERSION,
    file: analysis.file,
    gpu: { id: analysis.gpu.id, memory_bytes: analysis.gpu.memory_bytes, bf16: analysis.gpu.bf16 },
    fit: fitOf(analysis),
    job: job && {
      model: {
        id: job.model.id,
        family: job.model.family,
        params: params!.total,
        trainable_params: params!.trainable,
        hidden_size: job.model.hidden_size,
        num_layers: job.model.num_layers,
        num_heads: job.model.num_heads,
        num_kv_heads: job.model.num_kv_heads,
        intermediate_size: job.model.intermediate_size,
        vocab_size: job.model.vocab_size,
        max_position_embeddings: job.model.max_position_embeddings,
        tie_word_embeddings: job.model.tie_word_embeddings,
        qkv_bias: job.model.qkv_bias ?? null,
        num_experts: job.model.num_experts ?? null,
        experts_per_token: job.model.experts_per_token ?? null,
        moe_intermediate_size: job.model.moe_intermediate_size ?? null,
      },
      micro_batch: job.micro_batch,
      grad_accum: job.grad_accum,
      seq_len: job.seq_len,
      precision: job.precision,
      amp_style: job.amp_style,
      optimizer: job.optimizer,
      grad_checkpointing: job.grad_checkpointing,
      checkpointing_mode: job.checkpointing_mode ?? null,
      attention: job.attention,
      peft: job.peft,
      gpus: job.gpus,
      // null where the job does not state them (no sharding, no scaler constructed, no pipeline...).
      grad_scaler: job.grad_scaler ?? null,
      loss_scale: job.loss_scale ?? null,
      tf32: job.tf32 ?? null,
      zero: job.zero ?? null,
      fsdp: job.fsdp ?? null,
      parallel: job.parallel ?? null,
      quantization: job.quantization ?? null,
      inference: job.inference ?? null,
      total_steps: job.total_steps ?? null,
    },
    values: analysis.values,
    estimate: estimate && {
      per_gpu: estimate.per_gpu,
      capacity_bytes: estimate.capacity_bytes,
      fits: estimate.fits,
      flops_per_step: estimate.flops_per_step,
      detail: estimate.detail,
      notes: estimate.notes,
      host: estimate.host ?? null,
      compute: estimate.compute ?? null,
    },
    assumptions: analysis.assumptions,
    simulations: simulationsOf(analysis) ?? null,
    findings: analysis.findings.map(({ code, severity, message, range }) => ({ code, severity, message, range })),
    fixes: analysis.fixes.map(({ id, title, saves_bytes, total_after_bytes, fits_after }) => ({ id, title, saves_bytes, total_after_bytes, fits_after })),
  };
}
