/**
 * GPU catalog: memory, bf16 support and peak throughput per card, by TrainLens catalog id.
 *
 * Memory, GB vs GiB. NVIDIA's "16GB / 24GB / 32GB / 40GB / 48GB / 80GB" are binary sizes: DRAM dies and HBM
 * stacks come in powers of two of bits (an 80GB H100/A100 carries five 16 GiB HBM stacks, a 24GB GDDR6(X)
 * card twelve 16 Gbit = 2 GiB chips), so memory_bytes = N * 2^30. nvidia-smi's memory.total is a little
 * lower because the driver reserves some of it (for example H100 80GB HBM3: 81559 MiB = 79.6 GiB). The H200's
 * "141GB" is not a power-of-two product (six 24 GiB HBM3e stacks = 144 GiB installed, 141 GiB enabled); it is
 * also GiB-sized: nvidia-smi shows 143771 MiB = 140.4 GiB for an H200, far above 141e9 B = 131.3 GiB.
 * So H200 = 141 * 2^30 B, read the same way as the others.
 *
 * Throughput: peak_half_tflops is dense fp16/bf16 tensor-core math with fp32 accumulate (what PyTorch
 * autocast/cuBLAS GEMMs use), without 2:4 sparsity. NVIDIA datasheets that quote only sparse figures
 * ("* With sparsity", "specifications are one-half lower without sparsity") are halved here. GeForce cards
 * run fp16 with fp32 accumulate at half the fp16-accumulate rate; the fp32-accumulate figure is used.
 * peak_fp32_tflops is non-tensor FP32 (CUDA cores).
 *
 * On-chip SRAM per SM (sram_bytes_per_sm): the combined L1 cache / shared memory of one SM, the figure Dao et al.
 * 2022 ("FlashAttention", Sec. 2.1) use for M ("A100 ... 192KB of on-chip SRAM per each of 108 streaming
 * multiprocessors"). NVIDIA tuning guides: Volta 128 KB (up to 96 KB shared), Turing 96 KB (up to 64 KB shared),
 * A100 192 KB (up to 164 KB shared), GA10x (sm_86) and Ada (sm_89) 128 KB (up to 100 KB shared), Hopper 256 KB
 * (up to 228 KB shared). compute_capability from NVIDIA's "CUDA GPUs - Compute Capability" table.
 */
import type { Gpu } from '../types';

const GiB = 2 ** 30;
const KiB = 2 ** 10;

export const GPUS: Gpu[] = [
  {
    id: 'V100-16GB',
    name: 'NVIDIA Tesla V100 16GB (SXM2)',
    memory_bytes: 16 * GiB,
    bf16: false,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 7.0,
    peak_half_tflops: 125,
    peak_fp32_tflops: 15.7,
    source:
      'NVIDIA Tesla V100 GPU Accelerator datasheet: V100 SXM2 tensor performance 125 TFLOPS, single precision 15.7 TFLOPS, ' +
      '16 GB HBM2 (V100 PCIe: 112 / 14 TFLOPS). Volta has no bf16.',
  },
  {
    id: 'V100-32GB',
    name: 'NVIDIA Tesla V100 32GB (SXM2)',
    memory_bytes: 32 * GiB,
    bf16: false,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 7.0,
    peak_half_tflops: 125,
    peak_fp32_tflops: 15.7,
    source:
      'NVIDIA Tesla V100 GPU Accelerator datasheet: V100 SXM2 tensor performance 125 TFLOPS, single precision 15.7 TFLOPS, ' +
      '32 GB HBM2 (V100 PCIe: 112 / 14 TFLOPS). Volta has no bf16.',
  },
  {
    id: 'T4',
    name: 'NVIDIA T4',
    memory_bytes: 16 * GiB,
    bf16: false,
    sram_bytes_per_sm: 96 * KiB,
    compute_capability: 7.5,
    peak_half_tflops: 65,
    peak_fp32_tflops: 8.1,
    source:
      'NVIDIA T4 Tensor Core GPU datasheet: mixed precision (FP16/FP32) 65 TFLOPS, single precision 8.1 TFLOPS, ' +
      '16 GB GDDR6. Turing has no bf16.',
  },
  {
    id: 'A10G',
    name: 'NVIDIA A10G (AWS G5)',
    memory_bytes: 24 * GiB,
    bf16: true,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 8.6,
    peak_half_tflops: 70,
    peak_fp32_tflops: 35,
    source:
      'No NVIDIA datasheet (AWS-only variant of the A10); 24 GB GDDR6 per AWS G5 instance specs. 70 TFLOPS dense ' +
      'bf16/fp16 tensor and 35 TFLOPS FP32 from the spec table in Baseten, "NVIDIA A10 vs A10G for ML model inference" ' +
      '(A10: 125 / 31.2); public torch GEMM benchmarks on A10G reach 69.5 TFLOPS bf16. Lower confidence than the others.',
  },
  {
    id: 'L4',
    name: 'NVIDIA L4',
    memory_bytes: 24 * GiB,
    bf16: true,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 8.9,
    peak_half_tflops: 121,
    peak_fp32_tflops: 30.3,
    source:
      'NVIDIA L4 Tensor Core GPU datasheet: FP16/BF16 tensor 242 TFLOPS with sparsity (121 dense), FP32 30.3 TFLOPS, 24 GB GDDR6.',
  },
  {
    id: 'RTX-3090',
    name: 'NVIDIA GeForce RTX 3090',
    memory_bytes: 24 * GiB,
    bf16: true,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 8.6,
    peak_half_tflops: 71,
    peak_fp32_tflops: 35.6,
    source:
      'NVIDIA Ampere GA102 GPU Architecture whitepaper, RTX 3090 specs: peak FP16/BF16 tensor with FP32 accumulate ' +
      '71 TFLOPS dense (142 with FP16 accumulate, 142/284 with sparsity), peak FP32 35.6 TFLOPS, 24 GB GDDR6X.',
  },
  {
    id: 'RTX-4090',
    name: 'NVIDIA GeForce RTX 4090',
    memory_bytes: 24 * GiB,
    bf16: true,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 8.9,
    peak_half_tflops: 165.2,
    peak_fp32_tflops: 82.6,
    source:
      'NVIDIA Ada GPU Architecture whitepaper, RTX 4090 specs: peak FP16/BF16 tensor with FP32 accumulate 165.2 TFLOPS ' +
      'dense (330.3 with FP16 accumulate), peak FP32 82.6 TFLOPS, 24 GB GDDR6X.',
  },
  {
    id: 'A6000',
    name: 'NVIDIA RTX A6000',
    memory_bytes: 48 * GiB,
    bf16: true,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 8.6,
    peak_half_tflops: 154.85,
    peak_fp32_tflops: 38.7,
    source:
      'NVIDIA RTX A6000 datasheet: tensor performance 309.7 TFLOPS with sparsity (154.85 dense), single precision ' +
      '38.7 TFLOPS, 48 GB GDDR6 with ECC.',
  },
  {
    id: 'L40S',
    name: 'NVIDIA L40S',
    memory_bytes: 48 * GiB,
    bf16: true,
    sram_bytes_per_sm: 128 * KiB,
    compute_capability: 8.9,
    peak_half_tflops: 362.05,
    peak_fp32_tflops: 91.6,
    source:
      'NVIDIA L40S datasheet: BF16/FP16 tensor 362.05 TFLOPS dense (733 with sparsity), FP32 91.6 TFLOPS, 48 GB GDDR6 with ECC.',
  },
  {
    id: 'A100-40GB',
    name: 'NVIDIA A100 40GB',
    memory_bytes: 40 * GiB,
    bf16: true,
    sram_bytes_per_sm: 192 * KiB,
    compute_capability: 8.0,
    peak_half_tflops: 312,
    peak_fp32_tflops: 19.5,
    source:
      'NVIDIA A100 Tensor Core GPU datasheet: BF16/FP16 tensor 312 TFLOPS dense (624 with sparsity), FP32 19.5 TFLOPS, ' +
      '40 GB HBM2 (SXM4 and PCIe share these peaks).',
  },
  {
    id: 'A100-80GB',
    name: 'NVIDIA A100 80GB',
    memory_bytes: 80 * GiB,
    bf16: true,
    sram_bytes_per_sm: 192 * KiB,
    compute_capability: 8.0,
    peak_half_tflops: 312,
    peak_fp32_tflops: 19.5,
    source:
      'NVIDIA A100 Tensor Core GPU datasheet: BF16/FP16 tensor 312 TFLOPS dense (624 with sparsity), FP32 19.5 TFLOPS, ' +
      '80 GB HBM2e (SXM4 and PCIe share these peaks).',
  },
  {
    id: 'H100-SXM-80GB',
    name: 'NVIDIA H100 SXM5 80GB',
    memory_bytes: 80 * GiB,
    bf16: true,
    sram_bytes_per_sm: 256 * KiB,
    compute_capability: 9.0,
    peak_half_tflops: 989.5,
    peak_fp32_tflops: 67,
    source:
      'NVIDIA H100 Tensor Core GPU datasheet, H100 SXM: BF16/FP16 tensor 1,979 TFLOPS with sparsity (989.5 dense; ' +
      'Hopper whitepaper: 989.4), FP32 67 TFLOPS, 80 GB HBM3 (nvidia-smi: 81559 MiB).',
  },
  {
    id: 'H100-PCIe',
    name: 'NVIDIA H100 PCIe 80GB',
    memory_bytes: 80 * GiB,
    bf16: true,
    sram_bytes_per_sm: 256 * KiB,
    compute_capability: 9.0,
    peak_half_tflops: 756.5,
    peak_fp32_tflops: 51,
    source:
      'NVIDIA H100 Tensor Core GPU datasheet, H100 PCIe: BF16/FP16 tensor 1,513 TFLOPS with sparsity (756.5 dense), ' +
      'FP32 51 TFLOPS, 80 GB HBM2e.',
  },
  {
    id: 'H200',
    name: 'NVIDIA H200 SXM 141GB',
    memory_bytes: 141 * GiB,
    bf16: true,
    sram_bytes_per_sm: 256 * KiB,
    compute_capability: 9.0,
    peak_half_tflops: 989.5,
    peak_fp32_tflops: 67,
    source:
      'NVIDIA H200 Tensor Core GPU datasheet, H200 SXM: BF16/FP16 tensor 1,979 TFLOPS with sparsity (989.5 dense), ' +
      'FP32 67 TFLOPS, 141 GB HBM3e (nvidia-smi: 143771 MiB). H200 NVL (PCIe) has lower peaks and is not this entry.',
  },
];

/** Catalog ids in display order, for settings enums and CLI help. */
export const GPU_IDS: string[] = GPUS.map((g) => g.id);

const BY_ID = new Map<string, Gpu>(GPUS.map((g) => [g.id.toLowerCase(), g]));

/** Find a GPU by catalog id, case-insensitively ("a100-80gb" finds A100-80GB). Unknown ids give undefined. */
export function findGpu(id: string): Gpu | undefined {
  return BY_ID.get(id.trim().toLowerCase());
}
