/** The Markdown breakdown that hovers show and the CLI prints. */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../server/src/analysis/types';
import { breakdownMarkdown } from '../../server/src/render/breakdown';
import { escapeMarkdown } from '../../server/src/render/markdown';
import { duration, gib, whole } from '../../server/src/render/units';
import { estimate, findGpu, findModel, type TrainingJob } from '../../estimator/src';
import { TOY_SCRIPT, toyAnalysis } from './helpers/fakeAnalyzer';

const URI = 'file:///work/train.py';
const analysis = toyAnalysis(URI, TOY_SCRIPT, { gpu: 'V100-32GB', gpus: 1 });

describe('breakdownMarkdown', () => {
  it('renders the title, every component, total, capacity and fit', () => {
    expect(breakdownMarkdown(analysis)).toMatchInlineSnapshot(`
      "**TrainLens**: \`tiny-llama\`, micro-batch 8 × 512 tokens, bf16-mixed, adamw, 1 × V100-32GB

      | Memory per GPU | Size |
      |:--|--:|
      | Weights | 10.0 GiB |
      | Gradients | 5.0 GiB |
      | Optimizer states | 5.0 GiB |
      | Activations | 80.0 GiB |
      | Autocast weight copies | 0.0 GiB |
      | Other (CUDA context, buffers) | 0.5 GiB |
      | **Total per GPU** | **100.5 GiB** |
      | Capacity (V100-32GB) | 32.0 GiB |
      | Fits | ✗ no, 68.5 GiB over |

      Parameters: 1.30 B (1.30 B trainable); 4.0 PFLOP per optimizer step (all GPUs)

      Assumptions:

      - sequence length 512 assumed: not found
      - activations measured for SDPA"
    `);
  });

  it('adds the provenance of the anchored value, and the model source on the model', () => {
    const [model, , argument] = analysis.anchors;
    expect(breakdownMarkdown(analysis, argument)).toContain('**Micro-batch per GPU** = `8` (known; line 2; batch = 8)');
    expect(breakdownMarkdown(analysis, model)).toContain('Architecture numbers: test config');
  });

  it('says why there is no estimate', () => {
    const unknown: Analysis = {
      ...analysis,
      job: null,
      estimate: null,
      values: { model: { value: null, status: 'unknown', reason: 'from_pretrained(name) with name from argv' } },
    };
    const markdown = breakdownMarkdown(unknown);
    expect(markdown).toContain('No memory estimate');
    expect(markdown).toContain('**Model** = unknown (unknown; from\\_pretrained(name) with name from argv)');
  });
});

describe('breakdownMarkdown with a real estimate', () => {
  const gpu = findGpu('A100-80GB')!;
  const job: TrainingJob = {
    model: findModel('meta-llama/Llama-2-7b-hf')!, micro_batch: 2, grad_accum: 8, seq_len: 2048, precision: 'bf16-mixed',
    amp_style: 'autocast', optimizer: 'adamw', grad_checkpointing: true, attention: 'sdpa', peft: null, gpus: 8, total_steps: 1000,
  };
  const real = (j: TrainingJob): Analysis => ({ ...analysis, gpu, job: j, estimate: estimate(j, gpu) });

  it('shows compute: FLOPs per token, step time, tokens/s at the stated utilization, the whole run', () => {
    const a = real(job);
    const c = a.estimate!.compute!;
    const md = breakdownMarkdown(a);
    expect(md).toContain(`${whole(c.tokens_per_s)} tokens/s on 8 × A100-80GB at 40% utilization of 312 TFLOP/s peak`);
    expect(md).toContain(`${duration(c.step_time_s)} per step`);
    expect(md).toContain('without recomputation');
    expect(md).toContain(`Whole run: `);
    expect(md).toContain(`${duration(c.total_time_s!)} (${whole((8 * c.total_time_s!) / 3600)} GPU hours)`);
  });

  it('shows the peaks PyTorch and nvidia-smi report when the estimator gives them, and the per-layer figures', () => {
    const a = real(job);
    const p = a.estimate!.per_gpu;
    const md = breakdownMarkdown(a);
    if (p.device_used !== undefined) expect(md).toContain(`| Device used (\`nvidia-smi\`) | ${gib(p.device_used)} |`);
    if (p.peak_allocated !== undefined) expect(md).toContain(`| Peak allocated (\`max_memory_allocated\`) | ${gib(p.peak_allocated)} |`);
    // full checkpointing keeps layer inputs only: no formula to compare with
    expect(md).not.toContain('Korthikanti');
    const plain = real({ ...job, grad_checkpointing: false });
    const d = plain.estimate!.detail;
    if (d.korthikanti_per_layer) {
      expect(breakdownMarkdown(plain)).toContain(
        `Activations per layer: ${gib(d.activations_per_layer)} (op-level count); Korthikanti et al. 2022, sbh(34 + 5as/h): ${gib(d.korthikanti_per_layer)}`,
      );
    }
  });

  it('ZeRO offload shows the host memory it needs', () => {
    const zero = { stage: 3 as const, offload_optimizer: 'cpu' as const, offload_param: 'cpu' as const };
    const a = real({ ...job, zero });
    expect(a.estimate!.host!.cpu_bytes).toBeGreaterThan(0);
    expect(breakdownMarkdown(a)).toContain(`| Host memory for offload (CPU) | ${gib(a.estimate!.host!.cpu_bytes)} |`);
    expect(breakdownMarkdown(real(job))).not.toContain('Host memory');
  });

  it('an inference job shows its KV cache and counts per generate() call', () => {
    const inference = { engine: 'hf' as const, prompt_len: 1024, max_new_tokens: 512, batch: 8, kv_cache_dtype: 'bf16' as const };
    const a = real({ ...job, precision: 'bf16', gpus: 1, total_steps: undefined, inference });
    const md = breakdownMarkdown(a);
    expect(md).toContain(`| KV cache | ${gib(a.estimate!.per_gpu.kv_cache!)} |`);
    expect(md).toContain('inference with generate(), batch 8 × (1024 prompt + 512 new tokens), bf16');
    expect(md).toContain('per generate() call');
    expect(md).not.toContain('Whole run');
  });
});

describe('escapeMarkdown', () => {
  it('escapes what Markdown would format', () => {
    expect(escapeMarkdown('a*b_c `d` <e> | #f [g]')).toBe('a\\*b\\_c \\`d\\` \\<e\\> \\| \\#f \\[g\\]');
  });
});
