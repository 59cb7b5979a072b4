/**
 * The changes that make a training job need less GPU memory, as the fixes and the planner offer them: what each
 * does to the TrainingJob, when it applies, which changes exclude each other (one per group), whether it changes
 * what is trained (tier), and how intrusive it is among changes of equal step time (disruption).
 */
import type { Gpu, TrainingJob, ZeroConfig } from './types';

export type FitFixId =
  | 'enable-gradient-checkpointing'
  | 'halve-micro-batch'
  | 'use-bf16-mixed'
  | 'use-fp16-mixed'
  | 'use-adamw-8bit'
  | 'use-paged-adamw-8bit'
  | 'use-adafactor'
  | 'use-sdpa-attention'
  | 'use-flash-attention'
  | 'zero-stage-2'
  | 'zero-stage-3'
  | 'zero-offload-optimizer'
  | 'zero-offload-all'
  | 'fsdp-full-shard'
  | 'fsdp-full-shard-offload'
  | 'use-lora'
  | 'use-qlora'
  | 'shorten-sequence';

/** Changes in one group exclude each other; options of a group are listed weakest to strongest memory saving ('zero': the sharding layout, ZeRO or FSDP). */
export type ChangeGroup = 'checkpointing' | 'micro-batch' | 'precision' | 'optimizer' | 'attention' | 'zero' | 'peft' | 'sequence';

/**
 * 0: trains the same model on the same data (numerics aside); 1: trains an adapter instead of all weights
 * (LoRA/QLoRA); 2: trains on shorter sequences. Plans rank by tier before step time.
 */
export type ChangeTier = 0 | 1 | 2;

export interface JobChange {
  id: FitFixId;
  group: ChangeGroup;
  /** What it does, in the words of a fix title: "Enable gradient checkpointing". */
  label: string;
  tier: ChangeTier;
  /** Preference among plans of equal tier and step time (lower first): smaller micro-batches and offload cost speed the compute model does not count. */
  disruption: number;
  apply(job: TrainingJob): TrainingJob;
}

/**
 * Least saving of a change offered as a memory fix: a tenth of a GiB, the precision of the totals in fix titles
 * ("93.4 → 55.3 GiB"); a change that saves less would read as no change.
 */
export const MIN_MEMORY_SAVING_BYTES = 0.1 * 2 ** 30;

/** LoRA defaults of the suggested fix: r=16 on all linear layers (QLoRA paper, Dettmers et al. 2023, Sec. 4). */
export const LORA_FIX = { method: 'lora', r: 16, alpha: 32, targets: ['all-linear'], dropout: 0.05 } as const;

const lora = () => ({ ...LORA_FIX, targets: [...LORA_FIX.targets] });

/** Micro-batches below the current one, halving down to 1, each with accumulation raised to keep the effective batch. */
function microBatchChanges(job: TrainingJob): JobChange[] {
  if (job.inference || (job.parallel?.pipeline ?? 1) > 1) return [];
  const out: JobChange[] = [];
  for (let factor = 2, level = 1; Math.floor(job.micro_batch / factor) >= 1 && job.micro_batch % factor === 0; factor *= 2, level++) {
    const micro = job.micro_batch / factor;
    const accum = job.grad_accum * factor;
    out.push({
      id: 'halve-micro-batch', group: 'micro-batch', tier: 0, disruption: level,
      label: `Micro-batch ${micro} with gradient accumulation ${accum} (same effective batch)`,
      apply: (j) => ({ ...j, micro_batch: micro, grad_accum: accum }),
    });
  }
  return out;
}

/**
 * fp32 to mixed precision. bf16 instead of fp16 mixed precision is no memory change (both keep fp32 parameters
 * and half activations; only GradScaler's 16 bytes go), so it is not offered as one.
 */
function precisionChanges(job: TrainingJob, gpu: Gpu): JobChange[] {
  if (job.quantization) return [];
  if (job.precision === 'fp32') {
    const half = gpu.bf16 ? 'bf16' : 'fp16';
    return [{
      id: gpu.bf16 ? 'use-bf16-mixed' : 'use-fp16-mixed', group: 'precision', tier: 0, disruption: 1,
      label: `${half} mixed precision`,
      apply: (j) => ({ ...j, precision: `${half}-mixed`, amp_style: 'autocast', grad_scaler: half === 'fp16' }),
    }];
  }
  return [];
}

function optimizerChanges(job: TrainingJob): JobChange[] {
  if (job.inference || (job.optimizer !== 'adamw' && job.optimizer !== 'paged_adamw_32bit')) return [];
  const change = (id: FitFixId, optimizer: TrainingJob['optimizer'], label: string, disruption: number): JobChange =>
    ({ id, group: 'optimizer', tier: 0, disruption, label, apply: (j) => ({ ...j, optimizer }) });
  return [
    change('use-adamw-8bit', 'adamw_8bit', '8-bit AdamW (bitsandbytes)', 2),
    change('use-paged-adamw-8bit', 'paged_adamw_8bit', 'Paged 8-bit AdamW', 3),
    change('use-adafactor', 'adafactor', 'Adafactor optimizer', 4),
  ];
}

/** Flash attention needs Ampere or newer; the catalog's bf16 flag marks exactly those GPUs (bf16 came with Ampere). */
function attentionChanges(job: TrainingJob, gpu: Gpu): JobChange[] {
  const out: JobChange[] = [];
  if (job.attention === 'eager') {
    out.push({ id: 'use-sdpa-attention', group: 'attention', tier: 0, disruption: 0, label: 'SDPA attention', apply: (j) => ({ ...j, attention: 'sdpa' }) });
  }
  if (job.attention !== 'flash' && gpu.bf16) {
    out.push({ id: 'use-flash-attention', group: 'attention', tier: 0, disruption: 1, label: 'FlashAttention 2', apply: (j) => ({ ...j, attention: 'flash' }) });
  }
  return out;
}

/**
 * ZeRO stages above the current one (with several GPUs to shard over) and CPU offload. Offload of parameters is
 * only honoured at stage 3 (DeepSpeed zero/offload_config.py, domain-rules.md 1.4), so it comes with stage 3.
 */
function zeroChanges(job: TrainingJob): JobChange[] {
  if (job.inference || job.fsdp || job.quantization) return [];
  const current: ZeroConfig = job.zero ?? { stage: 0, offload_optimizer: 'none', offload_param: 'none' };
  const out: JobChange[] = [];
  // A job that starts using DeepSpeed with mixed precision gets DeepSpeed's precision: half weights with an fp32
  // master copy in the optimizer (its fp16/bf16 engines; HF fills "auto" from fp16=/bf16=, integrations/deepspeed.py).
  const amp = !job.zero && job.precision.endsWith('-mixed') ? { amp_style: 'master_weights' as const } : {};
  const zero = (z: Partial<ZeroConfig>) => (j: TrainingJob): TrainingJob => ({ ...j, ...amp, zero: { ...(j.zero ?? current), ...z } });
  if (job.gpus > 1 && current.stage < 2) out.push({ id: 'zero-stage-2', group: 'zero', tier: 0, disruption: 2, label: 'ZeRO stage 2', apply: zero({ stage: 2 }) });
  if (job.gpus > 1 && current.stage < 3) out.push({ id: 'zero-stage-3', group: 'zero', tier: 0, disruption: 3, label: 'ZeRO stage 3', apply: zero({ stage: 3 }) });
  if (current.offload_optimizer === 'none') {
    const stage = Math.max(current.stage, 2) as ZeroConfig['stage'];
    out.push({ id: 'zero-offload-optimizer', group: 'zero', tier: 0, disruption: 5, label: `ZeRO stage ${stage} with optimizer offload to CPU`, apply: zero({ stage, offload_optimizer: 'cpu' }) });
  }
  if (current.offload_param === 'none') {
    out.push({ id: 'zero-offload-all', group: 'zero', tier: 0, disruption: 6, label: 'ZeRO stage 3 with optimizer and parameter offload to CPU', apply: zero({ stage: 3, offload_optimizer: 'cpu', offload_param: 'cpu' }) });
  }
  return out;
}

/**
 * FSDP jobs: FULL_SHARD (parameters, gradients and optimizer states sharded, ZeRO-3's layout) where the job shards
 * less, and FULL_SHARD with CPU offload of the parameters (torch.distributed.fsdp.CPUOffload(offload_params=True):
 * parameters, gradients and the optimizer step on the host). They take the ZeRO group's place (one sharding choice).
 */
function fsdpChanges(job: TrainingJob): JobChange[] {
  const current = job.fsdp;
  if (!current || job.inference || job.quantization) return [];
  const fsdp = (cpu_offload: boolean) => (j: TrainingJob): TrainingJob => ({ ...j, fsdp: { ...(j.fsdp ?? current), strategy: 'FULL_SHARD', cpu_offload } });
  const out: JobChange[] = [];
  if (job.gpus > 1 && current.strategy !== 'FULL_SHARD') {
    out.push({ id: 'fsdp-full-shard', group: 'zero', tier: 0, disruption: 3, label: 'FSDP full shard', apply: fsdp(current.cpu_offload) });
  }
  if (!current.cpu_offload) {
    out.push({ id: 'fsdp-full-shard-offload', group: 'zero', tier: 0, disruption: 6, label: 'FSDP full shard with CPU offload', apply: fsdp(true) });
  }
  return out;
}

/** QLoRA: NF4 with double quantization, compute in bf16 where the GPU has it (Dettmers et al. 2023, Sec. 3). */
function peftChanges(job: TrainingJob, gpu: Gpu): JobChange[] {
  if (job.inference || job.peft || job.quantization) return [];
  const compute_dtype = gpu.bf16 ? 'bf16' : 'fp16';
  const loraChange: JobChange = { id: 'use-lora', group: 'peft', tier: 1, disruption: 0, label: 'LoRA r=16 on all linear layers (trains an adapter)', apply: (j) => ({ ...j, peft: lora() }) };
  // QLoRA under ZeRO-3 needs bnb_4bit_quant_storage matching the model dtype (PEFT docs, "DeepSpeed" guide); not written here.
  if (job.zero?.stage === 3) return [loraChange];
  return [
    loraChange,
    {
      id: 'use-qlora', group: 'peft', tier: 1, disruption: 1, label: 'QLoRA: 4-bit NF4 weights + LoRA r=16 (trains an adapter)',
      apply: (j) => ({ ...j, peft: lora(), quantization: { method: 'nf4', bits: 4, double_quant: true, compute_dtype, kbit_prepared: true } }),
    },
  ];
}

/** Sequences below 256 tokens stop being a useful training length for the language models TrainLens reads. */
const MIN_SHORTENED_SEQ = 256;

function sequenceChanges(job: TrainingJob): JobChange[] {
  const seq = Math.floor(job.seq_len / 2);
  if (job.inference || seq < MIN_SHORTENED_SEQ) return [];
  return [{ id: 'shorten-sequence', group: 'sequence', tier: 2, disruption: 0, label: `Shorter sequences: ${seq} tokens instead of ${job.seq_len} (changes the data)`, apply: (j) => ({ ...j, seq_len: seq }) }];
}

/** Every change that applies to this job on this GPU, grouped; options of a group weakest first. */
export function jobChanges(job: TrainingJob, gpu: Gpu): JobChange[] {
  if (job.inference) return [];
  const out: JobChange[] = [];
  if (!job.grad_checkpointing) {
    out.push({ id: 'enable-gradient-checkpointing', group: 'checkpointing', tier: 0, disruption: 1, label: 'Enable gradient checkpointing', apply: (j) => ({ ...j, grad_checkpointing: true }) });
  }
  out.push(...microBatchChanges(job), ...precisionChanges(job, gpu), ...optimizerChanges(job), ...attentionChanges(job, gpu), ...zeroChanges(job), ...fsdpChanges(job), ...peftChanges(job, gpu), ...sequenceChanges(job));
  return out;
}

/**
 * Combinations that do not run as the job states them: bitsandbytes optimizers under ZeRO optimizer offload
 * (DeepSpeed replaces a client optimizer with DeepSpeedCPUAdam or refuses it, domain-rules.md 1.5), and FlashAttention
 * without half precision (flash-attn kernels take fp16/bf16 only), and
 * new 4-bit weights together with a new ZeRO layout.
 */
export function isCoherent(job: TrainingJob, original: TrainingJob): boolean {
  if (job.optimizer !== original.optimizer && job.zero && job.zero.offload_optimizer !== 'none') return false;
  if (job.attention === 'flash' && job.precision === 'fp32' && !job.quantization) return false;
  if (job.quantization && !original.quantization && job.zero !== original.zero) return false;
  return true;
}
