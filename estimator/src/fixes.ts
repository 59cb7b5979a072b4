/**
 * fitFixes(job, gpu): single changes to a job that reduce its memory, each re-estimated, largest saving first.
 * Only changes that apply are returned (no checkpointing fix when it is already on, no bf16 on a GPU without bf16).
 */
import { estimate } from './estimate';
import type { Estimate, Gpu, TrainingJob } from './types';

export type FitFixId =
  | 'enable-gradient-checkpointing'
  | 'halve-micro-batch'
  | 'use-sdpa-attention'
  | 'use-bf16-mixed'
  | 'use-lora';

export interface FitFix {
  id: FitFixId;
  title: string;
  job: TrainingJob;
  estimate: Estimate;
  /** Bytes per GPU saved against the original job's total. */
  saves_bytes: number;
}

/** LoRA defaults of the suggested fix: r=16 on all linear layers (QLoRA paper, Dettmers et al. 2023, Sec. 4). */
const LORA_FIX = { method: 'lora', r: 16, alpha: 32, targets: ['all-linear'], dropout: 0.05 } as const;

function candidates(job: TrainingJob, gpu: Gpu): { id: FitFixId; title: string; job: TrainingJob }[] {
  const out: { id: FitFixId; title: string; job: TrainingJob }[] = [];
  if (!job.grad_checkpointing) {
    out.push({ id: 'enable-gradient-checkpointing', title: 'Enable gradient checkpointing', job: { ...job, grad_checkpointing: true } });
  }
  if (job.micro_batch > 1) {
    const micro = Math.floor(job.micro_batch / 2);
    out.push({
      id: 'halve-micro-batch',
      title: `Micro-batch ${micro} with gradient accumulation ${job.grad_accum * 2}`,
      job: { ...job, micro_batch: micro, grad_accum: job.grad_accum * 2 },
    });
  }
  if (job.attention === 'eager') {
    out.push({ id: 'use-sdpa-attention', title: 'Use SDPA attention (attn_implementation="sdpa")', job: { ...job, attention: 'sdpa' } });
  }
  if (job.precision === 'fp32' && gpu.bf16) {
    out.push({ id: 'use-bf16-mixed', title: 'bf16 mixed precision', job: { ...job, precision: 'bf16-mixed', amp_style: 'autocast' } });
  }
  if (!job.peft) {
    out.push({ id: 'use-lora', title: 'LoRA r=16 on all linear layers', job: { ...job, peft: { ...LORA_FIX, targets: [...LORA_FIX.targets] } } });
  }
  return out;
}

export function fitFixes(job: TrainingJob, gpu: Gpu): FitFix[] {
  const before = estimate(job, gpu).per_gpu.total;
  return candidates(job, gpu)
    .map((c) => {
      const est = estimate(c.job, gpu);
      return { ...c, estimate: est, saves_bytes: before - est.per_gpu.total };
    })
    .filter((f) => f.saves_bytes > 0)
    .sort((a, b) => b.saves_bytes - a.saves_bytes);
}
