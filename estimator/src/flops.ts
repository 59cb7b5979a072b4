/**
 * Training FLOPs of one optimizer step (all GPUs, all micro-batches).
 *
 * Kaplan et al. 2020, "Scaling Laws for Neural Language Models", Sec. 2.1 and Table 1: a forward pass costs
 * 2N FLOPs per token for the weight matmuls plus 2·L·s·d per token for attention; the backward costs twice the
 * forward, so training costs C ≈ 6N per token (also Hoffmann et al. 2022, "Chinchilla", App. F). We count the
 * attention matmuls (QKᵀ and AV, 2 FLOPs per multiply-add) as 4·L·s·h per token forward, i.e. 12·L·s·h per token
 * (12·L·h·s² per sequence) for forward + backward. N is every matmul parameter: decoder layers, LoRA adapters and
 * the LM head (executed even when tied); position tables are lookups, not matmuls.
 * Gradient checkpointing recomputes the forward once: 8N and 16·L·s·h per token.
 * LoRA: frozen weights skip their weight-gradient matmul, so 6N is an upper bound there (stated in a note).
 */
import { countParams } from './params';
import type { TrainingJob } from './types';

export function flopsPerStep(job: TrainingJob): number {
  const arch = job.model;
  const counts = countParams(arch, job.peft);
  const matmulParams = counts.by_module.layers + counts.by_module.lora + arch.vocab_size * arch.hidden_size;
  const passes = job.grad_checkpointing ? 4 : 3; // forward, backward (= 2 forwards), recomputed forward
  const tokens = job.micro_batch * job.seq_len * job.grad_accum * job.gpus;
  const perToken = passes * (2 * matmulParams + 4 * arch.num_layers * job.seq_len * arch.hidden_size);
  return perToken * tokens;
}
