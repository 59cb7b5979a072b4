/**
 * The jobs whose estimates and plans golden.test.ts pins: every calibration case, and every catalog model (plus a
 * mixture-of-experts architecture) under configurations that reach each path of the estimator (precisions, amp
 * styles, attention kernels, full and selective checkpointing, each PEFT method, quantization, ZeRO, FSDP, tensor /
 * pipeline / expert parallelism, inference), on an 80 GB and a 32 GB GPU. Small shapes keep the matrix fast.
 */
import { findGpu } from '../../../estimator/src/catalog';
import { MODELS } from '../../../estimator/src/catalog/models';
import type { Gpu, ModelArch, ParallelConfig, PeftConfig, TrainingJob } from '../../../estimator/src/types';
import { jobOf, loadCases, TEST_GPU } from '../cases';

export interface GoldenCase {
  id: string;
  job: TrainingJob;
  gpu: Gpu;
}

/** Mixtral-8x7B config.json values: 8 experts, 2 per token. */
const mixtral: ModelArch = {
  id: 'mistralai/Mixtral-8x7B-v0.1', family: 'llama', hidden_size: 4096, intermediate_size: 14336, num_layers: 32,
  num_heads: 32, num_kv_heads: 8, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
  num_experts: 8, experts_per_token: 2, moe_intermediate_size: 14336,
};

const lora = (over: Partial<PeftConfig> = {}): PeftConfig => ({ method: 'lora', r: 8, alpha: 16, targets: ['all-linear'], dropout: 0.05, ...over });
const parallel = (p: Partial<ParallelConfig>): ParallelConfig => ({
  tensor: 1, pipeline: 1, sequence_parallel: false, expert: 1, pipeline_schedule: '1f1b', pipeline_micro_batches: 4, ...p,
});

/** Configurations applied to every model (a name and what it changes in the base job). */
const CONFIGS: [string, Partial<TrainingJob>][] = [
  ['fp32-eager', { precision: 'fp32' }],
  ['bf16-mixed-sdpa-ckpt', { precision: 'bf16-mixed', attention: 'sdpa', grad_checkpointing: true }],
  ['fp16-mixed-master-eager-selective', { precision: 'fp16-mixed', amp_style: 'master_weights', grad_checkpointing: true, checkpointing_mode: 'selective', grad_scaler: true }],
  ['bf16-flash-8bit', { precision: 'bf16', attention: 'flash', optimizer: 'adamw_8bit', micro_batch: 4 }],
  ['lora-qv-eager', { precision: 'bf16-mixed', peft: lora({ targets: ['q_proj', 'v_proj', 'c_attn'], dropout: 0 }) }],
  ['lora-ckpt', { precision: 'bf16-mixed', grad_checkpointing: true, peft: lora() }],
  ['qlora', { precision: 'bf16-mixed', peft: lora(), quantization: { method: 'nf4', bits: 4, double_quant: true, compute_dtype: 'bf16', kbit_prepared: true } }],
  ['int8-lora-ckpt', { precision: 'fp16-mixed', grad_checkpointing: true, peft: lora(), quantization: { method: 'int8', bits: 8, double_quant: false, compute_dtype: 'fp16', kbit_prepared: false } }],
  ['dora', { precision: 'bf16-mixed', peft: lora({ method: 'dora' }) }],
  ['adapter', { precision: 'bf16-mixed', peft: { method: 'adapter', r: 0, alpha: 0, targets: [], dropout: 0, bottleneck_size: 64 } }],
  ['bitfit', { precision: 'fp32', peft: { method: 'bitfit', r: 0, alpha: 0, targets: [], dropout: 0 } }],
  ['prefix', { precision: 'bf16-mixed', peft: { method: 'prefix', r: 0, alpha: 0, targets: [], dropout: 0, num_virtual_tokens: 20, prefix_projection: true } }],
  ['prompt', { precision: 'bf16-mixed', grad_checkpointing: true, peft: { method: 'prompt', r: 0, alpha: 0, targets: [], dropout: 0, num_virtual_tokens: 16 } }],
  ['p-tuning', { precision: 'bf16-mixed', peft: { method: 'p-tuning', r: 0, alpha: 0, targets: [], dropout: 0, num_virtual_tokens: 16, encoder_hidden_size: 128 } }],
  ['zero3-offload-8gpu', { precision: 'bf16-mixed', amp_style: 'master_weights', gpus: 8, zero: { stage: 3, offload_optimizer: 'cpu', offload_param: 'cpu' } }],
  ['zero2-4gpu-ckpt', { precision: 'fp16-mixed', gpus: 4, grad_checkpointing: true, zero: { stage: 2, offload_optimizer: 'none', offload_param: 'none' } }],
  ['fsdp-8gpu', { precision: 'bf16-mixed', attention: 'sdpa', gpus: 8, fsdp: { strategy: 'FULL_SHARD', cpu_offload: false } }],
  ['tp2-sp', { precision: 'bf16-mixed', gpus: 4, parallel: parallel({ tensor: 2, sequence_parallel: true }) }],
  ['pp4-ckpt', { precision: 'bf16-mixed', gpus: 8, grad_checkpointing: true, parallel: parallel({ pipeline: 4, pipeline_micro_batches: 8 }) }],
  ['inference', { precision: 'bf16', inference: { engine: 'hf', prompt_len: 256, max_new_tokens: 128, batch: 4, kv_cache_dtype: 'bf16' } }],
];

const BASE: Omit<TrainingJob, 'model'> = {
  micro_batch: 2, grad_accum: 2, seq_len: 256, precision: 'bf16-mixed', amp_style: 'autocast', optimizer: 'adamw',
  grad_checkpointing: false, attention: 'eager', peft: null, gpus: 1, total_steps: 1000,
};

export function goldenCases(): GoldenCase[] {
  const gpus = [findGpu('A100-80GB')!, findGpu('V100-32GB')!];
  const out: GoldenCase[] = loadCases().map((c) => ({ id: `calibration ${c.case_id}`, job: jobOf(c), gpu: TEST_GPU }));
  for (const model of [...MODELS, mixtral]) {
    for (const [name, over] of CONFIGS) {
      for (const gpu of gpus) out.push({ id: `${model.id} ${name} on ${gpu.id}`, job: { ...BASE, model, ...over }, gpu });
    }
  }
  return out;
}

/** Jobs the planner searches (as its bench and the fixes tests do), each on the GPU named. */
export function plannerCases(): GoldenCase[] {
  const find = (id: string) => MODELS.find((m) => m.id === id)!;
  const llama7b: TrainingJob = {
    model: find('meta-llama/Llama-2-7b-hf'), micro_batch: 8, grad_accum: 1, seq_len: 2048, precision: 'fp16-mixed',
    amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: false, attention: 'eager', peft: null, gpus: 1,
  };
  const gpu = (id: string) => findGpu(id)!;
  return [
    { id: 'Llama-2-7B on 1 × V100-32GB', job: llama7b, gpu: gpu('V100-32GB') },
    { id: 'Llama-2-7B on 1 × A100-80GB', job: llama7b, gpu: gpu('A100-80GB') },
    { id: 'Llama-2-7B on 8 × A100-80GB', job: { ...llama7b, gpus: 8 }, gpu: gpu('A100-80GB') },
    { id: 'Llama-2-70B on 8 × H100', job: { ...llama7b, model: find('meta-llama/Llama-2-70b-hf'), micro_batch: 4, precision: 'bf16-mixed', attention: 'sdpa', gpus: 8 }, gpu: gpu('H100-SXM-80GB') },
    { id: 'GPT-2 XL fp32 on T4', job: { ...llama7b, model: find('gpt2-xl'), micro_batch: 4, seq_len: 1024, precision: 'fp32' }, gpu: gpu('T4') },
    { id: 'OPT-13B fp32 on 4 × A10G', job: { ...llama7b, model: find('facebook/opt-13b'), micro_batch: 4, seq_len: 1024, precision: 'fp32', gpus: 4 }, gpu: gpu('A10G') },
    { id: 'Qwen2.5-14B bf16 SDPA on 2 × L40S', job: { ...llama7b, model: find('Qwen/Qwen2.5-14B'), micro_batch: 4, precision: 'bf16-mixed', attention: 'sdpa', gpus: 2 }, gpu: gpu('L40S') },
  ];
}
