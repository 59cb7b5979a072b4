import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpretDeepSpeedConfig, ZERO_DEFAULTS, type JsonValue } from '../../server/src/deepspeed/interpret';
import { deepSpeedSummaryMarkdown } from '../../server/src/deepspeed/summary';

/** Fixtures modelled on the three widely copied configs in test/fixtures/seed-ds-configs/. */
const CONFIGS = join(__dirname, '..', 'fixtures', 'configs');
const fixture = (name: string): JsonValue => JSON.parse(readFileSync(join(CONFIGS, name), 'utf8')) as JsonValue;

describe('interpretDeepSpeedConfig', () => {
  it('fills DeepSpeed ZeRO defaults for a bare stage', () => {
    const s = interpretDeepSpeedConfig({ zero_optimization: { stage: 2 } });
    expect(s.zero).toEqual({ stage: 2, offload_optimizer: 'none', offload_param: 'none', ...ZERO_DEFAULTS });
    expect(s.problems).toEqual([]);
  });

  it('reads offload devices, stage-3 aliases with and without prefix, and leaves "auto" sizes to the model', () => {
    const s = interpretDeepSpeedConfig({
      zero_optimization: {
        stage: 3,
        offload_optimizer: { device: 'cpu', pin_memory: true },
        offload_param: { device: 'nvme' },
        reduce_bucket_size: 'auto',
        max_live_parameters: 3e8,
        stage3_prefetch_bucket_size: 1e7,
      },
    });
    expect(s.zero).toMatchObject({ stage: 3, offload_optimizer: 'cpu', offload_param: 'nvme', stage3_max_live_parameters: 3e8, stage3_prefetch_bucket_size: 1e7 });
    expect(s.zero).not.toHaveProperty('reduce_bucket_size');
  });

  it('moves the deprecated cpu_offload / cpu_offload_param booleans to their replacements', () => {
    expect(interpretDeepSpeedConfig({ zero_optimization: { stage: 2, cpu_offload: true, cpu_offload_param: true } }).zero)
      .toMatchObject({ offload_optimizer: 'cpu', offload_param: 'cpu' });
    expect(interpretDeepSpeedConfig({ zero_optimization: { stage: 1, cpu_offload: false } }).zero).toMatchObject({ offload_optimizer: 'none' });
  });

  it('reads the legacy boolean zero_optimization as stage 1 or 0', () => {
    expect(interpretDeepSpeedConfig({ zero_optimization: true }).zero?.stage).toBe(1);
    expect(interpretDeepSpeedConfig({ zero_optimization: false }).zero?.stage).toBe(0);
  });

  it('reads batch keys, "auto", clipping and optimizer type as written', () => {
    const s = interpretDeepSpeedConfig({ train_micro_batch_size_per_gpu: 4, gradient_accumulation_steps: 'auto', train_batch_size: 64, gradient_clipping: 1.0, optimizer: { type: 'AdamW', params: {} } });
    expect(s).toMatchObject({ micro_batch: 4, grad_accum: 'auto', train_batch_size: 64, gradient_clipping: 1, optimizer: 'AdamW', problems: [] });
    expect(s.zero).toBeUndefined();
  });

  it('says which precision block is enabled, and when it is left to TrainingArguments', () => {
    expect(interpretDeepSpeedConfig({ fp16: { enabled: true } }).half).toBe('fp16');
    expect(interpretDeepSpeedConfig({ bf16: { enabled: true }, fp16: { enabled: false } }).half).toBe('bf16');
    expect(interpretDeepSpeedConfig({ bfloat16: { enabled: true } }).half).toBe('bf16');
    expect(interpretDeepSpeedConfig({ fp16: { loss_scale: 0 } }).half).toBeUndefined();
    const auto = interpretDeepSpeedConfig({ bf16: { enabled: 'auto' } });
    expect(auto.half).toBeUndefined();
    expect(auto.half_auto).toBe(true);
    const both = interpretDeepSpeedConfig({ fp16: { enabled: true }, bf16: { enabled: true } });
    expect(both.half).toBeUndefined();
    expect(both.problems.join()).toMatch(/both enabled/);
  });

  it('reports what it cannot interpret, in words, and keeps going', () => {
    const s = interpretDeepSpeedConfig({
      train_micro_batch_size_per_gpu: 0,
      gradient_accumulation_steps: '4',
      zero_optimization: { stage: 5, offload_optimizer: { device: 'gpu' }, reduce_bucket_size: 'big' },
      fp16: true,
      optimizer: 'adam',
    });
    expect(s.micro_batch).toBeUndefined();
    expect(s.zero?.stage).toBe(0);
    expect(s.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^train_micro_batch_size_per_gpu: expected a positive integer/),
      expect.stringMatching(/^gradient_accumulation_steps: .*got "4"/),
      expect.stringMatching(/^zero_optimization\.stage: expected 0, 1, 2 or 3, got 5/),
      expect.stringMatching(/^zero_optimization\.offload_optimizer\.device: .*got "gpu"/),
      expect.stringMatching(/^zero_optimization\.reduce_bucket_size/),
      expect.stringMatching(/^fp16: expected an object/),
      expect.stringMatching(/^optimizer: /),
    ]));
    for (const bad of [null, 3, 'x', [1]] as JsonValue[]) expect(interpretDeepSpeedConfig(bad).problems).toHaveLength(1);
  });

  it('reads the fixtures modelled on the three seed configs', () => {
    expect(interpretDeepSpeedConfig(fixture('zero1_cpu_offload.json'))).toMatchObject({ zero: { stage: 1, offload_optimizer: 'cpu' }, micro_batch: 'auto', half_auto: true, problems: [] });
    expect(interpretDeepSpeedConfig(fixture('zero2_fp16_loss_scale.json'))).toMatchObject({ zero: { stage: 2, offload_optimizer: 'none' }, optimizer: 'AdamW', problems: [] });
    const z3 = interpretDeepSpeedConfig(fixture('zero3_offload.json'));
    expect(z3).toMatchObject({ zero: { stage: 3, offload_optimizer: 'cpu', offload_param: 'cpu', stage3_max_live_parameters: 5e8 }, train_batch_size: 'auto', gradient_clipping: 'auto', problems: [] });
  });
});

describe('deepSpeedSummaryMarkdown', () => {
  it('says what was read, in the estimate\'s terms, and what was not', () => {
    const md = deepSpeedSummaryMarkdown('ds_config.json', interpretDeepSpeedConfig(fixture('zero3_offload.json')));
    expect(md).toContain('**DeepSpeed config** `ds_config.json`');
    expect(md).toContain('- ZeRO stage 3, offloading optimizer states to cpu and parameters to cpu');
    expect(md).toContain('- fp16/bf16: "auto" (from TrainingArguments)');
    expect(md).toContain('- micro-batch per GPU "auto", gradient accumulation "auto", train batch size "auto"');
    const bad = deepSpeedSummaryMarkdown('x.json', interpretDeepSpeedConfig({ zero_optimization: { stage: 7 }, fp16: { enabled: true } }));
    expect(bad).toContain('- ZeRO stage 0');
    expect(bad).toContain('- fp16 with fp32 master weights');
    expect(bad).toMatch(/Not understood:\n\n- zero\\_optimization.stage: expected 0, 1, 2 or 3, got 7/);
  });
});
