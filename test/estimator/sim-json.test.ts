/** The simulations in `explain --json` (the `simulations` field) and their one-line results in the hover. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { jsonReport } from '../../server/src/cli/report';
import { breakdownMarkdown } from '../../server/src/render/breakdown';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const QLORA =
  'import torch\nfrom transformers import AutoModelForCausalLM, BitsAndBytesConfig, TrainingArguments\n' +
  'bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.float16)\n' +
  'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf", quantization_config=bnb, attn_implementation="sdpa")\n' +
  'args = TrainingArguments(per_device_train_batch_size=4, fp16=True, max_steps=100)\n';
const PLAIN = 'from transformers import AutoModelForCausalLM, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nargs = TrainingArguments(per_device_train_batch_size=2, bf16=True)\n';

const analyse = (text: string, gpu = 'A100-80GB') => analyzer.analyze({ uri: `file:///w/${text.length}.py`, text, version: 1 }, { gpu, gpus: 1 });

describe('simulations in explain --json', () => {
  it('has the timeline, FlashAttention, quantization and fp16 loss scaling for a QLoRA fp16 job', () => {
    const a = analyse(QLORA);
    expect(a.job!.quantization?.method).toBe('nf4');
    const r = JSON.parse(JSON.stringify(jsonReport(a))) as { simulations: Record<string, Record<string, unknown>>; estimate: { per_gpu: Record<string, number> } };
    const s = r.simulations;
    expect(Object.keys(s).sort()).toEqual(['flash_attention', 'loss_scaling', 'quantization', 'timeline']);
    expect(s.timeline.peak_allocated_bytes).toBe(r.estimate.per_gpu.peak_allocated);
    expect(s.timeline.peak_reserved_bytes).toBe(r.estimate.per_gpu.peak_reserved);
    expect(s.timeline.peak_at).toMatch(/^(forward|loss|backward|optimizer)/);
    expect(Array.isArray(s.timeline.series)).toBe(true);
    expect(s.flash_attention).toMatchObject({ block_rows: 128, block_cols: 192 });
    expect(s.flash_attention.hbm_bytes_tiled as number).toBeLessThan(s.flash_attention.hbm_bytes_standard as number);
    expect(s.quantization.job_scheme).toBe('nf4_block64_double_quant');
    const schemes = s.quantization.schemes as Record<string, { relative_error: number; sqnr_db: number }>;
    expect(schemes.nf4_block64_double_quant.sqnr_db).toBeGreaterThan(10);
    expect(s.loss_scaling).toMatchObject({ scaler: { kind: 'grad_scaler', init_scale: 65536 } });
    expect(typeof s.loss_scaling.skipped_steps).toBe('number');
    for (const v of Object.values(s.timeline.series as { allocated_bytes: number }[])) expect(Number.isInteger(v.allocated_bytes)).toBe(true);
  });

  it('leaves out what does not apply: no quantization or loss scaling for a bf16 job, null without an estimate', () => {
    const s = jsonReport(analyse(PLAIN)).simulations as Record<string, unknown>;
    expect(s.timeline).toBeDefined();
    expect(s.quantization).toBeUndefined();
    expect(s.loss_scaling).toBeUndefined();
    expect(s.pipeline).toBeUndefined();
    expect(jsonReport(analyse('print("no training here")\n')).simulations).toBeNull();
  });
});

describe('simulations in the hover', () => {
  it('one line each: when the step peaks, the tiles, the quantization error and the loss scale', () => {
    const md = breakdownMarkdown(analyse(QLORA));
    expect(md).toMatch(/Step timeline: peak \d+\.\d GiB allocated, \d+\.\d GiB reserved, at `[a-z_:]+( \w+)?`/);
    expect(md).toContain('FlashAttention tiles 128 × 192 (head dim 128, 192 KiB SRAM per SM)');
    expect(md).toMatch(/NF4 block 64 \+ double quant \(this job\) \d+\.\d dB/);
    expect(md).toMatch(/fp16 loss scaling \(GradScaler, start 2\^16\): \d+ steps skipped at the start/);
  });

  it('says FlashAttention-2 has no kernels on a V100', () => {
    const md = breakdownMarkdown(analyse(QLORA.replace('"sdpa"', '"flash_attention_2"'), 'V100-32GB'));
    expect(md).toContain('no FlashAttention-2 kernels on V100-32GB');
  });
});
