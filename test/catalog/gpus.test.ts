import { describe, expect, it } from 'vitest';
import { GPUS, GPU_IDS, findGpu } from '../../estimator/src/catalog';

const GiB = 2 ** 30;

describe('GPU catalog', () => {
  it('has exactly the agreed ids, in order', () => {
    expect(GPU_IDS).toEqual([
      'V100-16GB',
      'V100-32GB',
      'T4',
      'A10G',
      'L4',
      'RTX-3090',
      'RTX-4090',
      'A6000',
      'L40S',
      'A100-40GB',
      'A100-80GB',
      'H100-SXM-80GB',
      'H100-PCIe',
      'H200',
    ]);
    expect(GPUS.map((g) => g.id)).toEqual(GPU_IDS);
  });

  it.each(GPUS.map((g) => [g.id, g] as const))('%s has sane numbers and a source', (_id, g) => {
    expect(Number.isSafeInteger(g.memory_bytes)).toBe(true);
    expect(g.memory_bytes % GiB, 'whole GiB').toBe(0);
    expect(g.peak_half_tflops).toBeGreaterThan(g.peak_fp32_tflops);
    expect(g.peak_fp32_tflops).toBeGreaterThan(0);
    expect(g.name.length).toBeGreaterThan(0);
    expect(g.source.length).toBeGreaterThan(20);
  });

  it('states memory in GiB as NVIDIA sizes it', () => {
    expect(findGpu('V100-32GB')?.memory_bytes).toBe(34_359_738_368);
    expect(findGpu('A100-80GB')?.memory_bytes).toBe(80 * GiB);
    expect(findGpu('A100-40GB')?.memory_bytes).toBe(40 * GiB);
    expect(findGpu('H100-SXM-80GB')?.memory_bytes).toBe(80 * GiB);
    expect(findGpu('H200')?.memory_bytes).toBe(141 * GiB);
    expect(findGpu('RTX-4090')?.memory_bytes).toBe(24 * GiB);
  });

  it('has bf16 only from Ampere on', () => {
    for (const id of ['V100-16GB', 'V100-32GB', 'T4']) expect(findGpu(id)?.bf16, id).toBe(false);
    for (const id of GPU_IDS.filter((i) => !['V100-16GB', 'V100-32GB', 'T4'].includes(i))) {
      expect(findGpu(id)?.bf16, id).toBe(true);
    }
  });

  it('uses dense (not sparse) tensor peaks', () => {
    expect(findGpu('A100-80GB')?.peak_half_tflops).toBe(312);
    expect(findGpu('H100-SXM-80GB')?.peak_half_tflops).toBeCloseTo(989.5, 1);
    expect(findGpu('V100-32GB')?.peak_half_tflops).toBe(125);
  });

  it('finds ids case-insensitively', () => {
    expect(findGpu('a100-80gb')?.id).toBe('A100-80GB');
    expect(findGpu('h100-pcie')?.id).toBe('H100-PCIe');
    expect(findGpu(' rtx-4090 ')?.id).toBe('RTX-4090');
    for (const g of GPUS) expect(findGpu(g.id.toLowerCase())).toBe(g);
  });

  it('returns undefined for unknown ids', () => {
    expect(findGpu('A100')).toBeUndefined();
    expect(findGpu('H100')).toBeUndefined();
    expect(findGpu('')).toBeUndefined();
    expect(findGpu('TPU-v4')).toBeUndefined();
  });
});
