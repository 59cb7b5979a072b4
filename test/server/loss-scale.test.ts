/** A ds_config's fp16 loss-scaling keys reach the job, the loss-scaling simulation and the hover. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { lossScaleOf } from '../../server/src/analysis/job/deepspeed';
import { simulationLines, simulationsOf } from '../../server/src/render/simulations';
import { scalerOf, simulateLossScaling } from '../../estimator/src/sim/loss-scaling';
import { analyzeFile, writeWorkspace } from '../support/workspace';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});
afterAll(() => analyzer.dispose());

const SCRIPT = `from transformers import AutoModelForCausalLM, TrainingArguments
model = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b")
args = TrainingArguments(per_device_train_batch_size=4, fp16=True, deepspeed="ds_config.json")
`;

describe('DeepSpeed fp16 loss scaling', () => {
  it('reads the written keys only; a block without them, or none, gives nothing', () => {
    expect(lossScaleOf({ fp16: { enabled: 'auto', loss_scale: 0, initial_scale_power: 12, loss_scale_window: 500, hysteresis: 2, min_loss_scale: 1 } }))
      .toEqual({ loss_scale: 0, initial_scale_power: 12, loss_scale_window: 500, hysteresis: 2, min_loss_scale: 1 });
    expect(lossScaleOf({ fp16: { enabled: true, initial_scale_power: 'auto' } })).toBeUndefined();
    expect(lossScaleOf({ bf16: { enabled: true } })).toBeUndefined();
    expect(lossScaleOf([1, 2])).toBeUndefined();
  });

  it('a ds_config.json: the job carries its settings, the simulation and the hover use them', () => {
    const root = writeWorkspace({
      'train.py': SCRIPT,
      'ds_config.json': '{"fp16": {"enabled": "auto", "loss_scale": 0, "initial_scale_power": 12, "loss_scale_window": 200, "hysteresis": 4, "min_loss_scale": 2},\n "zero_optimization": {"stage": 2}}',
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job).toMatchObject({ precision: 'fp16-mixed', amp_style: 'master_weights', loss_scale: { initial_scale_power: 12, loss_scale_window: 200, hysteresis: 4, min_loss_scale: 2 } });
    expect(simulationsOf(a)!.loss_scaling!.scaler).toMatchObject({ kind: 'deepspeed', init_scale: 4096, growth_interval: 200, hysteresis: 4, min_scale: 2 });
    expect(simulationLines(a)).toContain('DeepSpeed dynamic loss scale, window 200, hysteresis 4, min 2^1, start 2^12');
  });

  it('a dict passed to deepspeed.initialize with a static loss scale: the scale never moves, overflows still skip', () => {
    const root = writeWorkspace({
      'train.py': `import deepspeed, torch\nfrom transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b")\nds_config = {"train_micro_batch_size_per_gpu": 2, "fp16": {"enabled": True, "loss_scale": 128}}\nengine, opt, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters(), config=ds_config)\n`,
    });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job!.loss_scale).toEqual({ loss_scale: 128 });
    const scaler = scalerOf(a.job!);
    expect(scaler).toMatchObject({ kind: 'deepspeed_static', init_scale: 128 });
    const run = simulateLossScaling(scaler, Float64Array.from([1e4, 0.01, 0.01, 1e4, 0.01]));
    expect(run).toMatchObject({ skipped_steps: 2, steady_scale: 128 });
    expect(simulationLines(a)).toContain('DeepSpeed static loss scale, start 2^7');
    expect(a.estimate!.notes).toContain('DeepSpeed static loss scale: a host-side Python float; no device memory.');
  });

  it('without loss-scaling keys the job has none (DeepSpeed defaults apply in the simulation)', () => {
    const root = writeWorkspace({ 'train.py': SCRIPT, 'ds_config.json': '{"fp16": {"enabled": "auto"}, "zero_optimization": {"stage": 1}}' });
    const a = analyzeFile(analyzer, root, 'train.py');
    expect(a.job!.loss_scale).toBeUndefined();
    expect(scalerOf(a.job!)).toMatchObject({ kind: 'deepspeed', init_scale: 65536, growth_interval: 1000, hysteresis: 2, min_scale: 1 });
  });
});

describe('trainer YAML with a DeepSpeed config', () => {
  it('axolotl: the ds_config it names gives ZeRO, master weights and its loss-scaling keys', () => {
    const root = writeWorkspace({
      'sft.yml': 'base_model: facebook/opt-1.3b\nmicro_batch_size: 2\nsequence_len: 1024\nfp16: true\ndeepspeed: ds.json\n',
      'ds.json': '{"fp16": {"enabled": "auto", "hysteresis": 1}, "zero_optimization": {"stage": 2}}',
    });
    const a = analyzeFile(analyzer, root, 'sft.yml');
    expect(a.job).toMatchObject({ precision: 'fp16-mixed', amp_style: 'master_weights', zero: { stage: 2 }, loss_scale: { hysteresis: 1 } });
  });
});
