/**
 * The calibration scripts are real training scripts in seven styles (inline, constants, a dict of
 * hyperparameters, argparse, TRL SFT, DeepSpeed dict, plain PyTorch loop). Each must be read into
 * the job that was measured: same model numbers, batch, sequence, precision, optimizer,
 * checkpointing and LoRA settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { CALIBRATION_DIR, calibrationCases, expectedJob } from '../support/calibration';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

describe('calibration scripts are read into the measured job', () => {
  for (const c of calibrationCases()) {
    it(c.case_id, () => {
      const text = readFileSync(join(CALIBRATION_DIR, c.script), 'utf8');
      const analysis = analyzer.analyze({ uri: `file:///${c.script}`, text, version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
      const job = analysis.job;
      expect(job, analysis.values.model?.reason).not.toBeNull();
      const { model, ...rest } = expectedJob(c);
      expect({
        hidden_size: job!.model.hidden_size, num_layers: job!.model.num_layers, num_heads: job!.model.num_heads,
        num_kv_heads: job!.model.num_kv_heads, intermediate_size: job!.model.intermediate_size,
        vocab_size: job!.model.vocab_size, tie_word_embeddings: job!.model.tie_word_embeddings, family: job!.model.family,
      }).toEqual({
        hidden_size: model.hidden_size, num_layers: model.num_layers, num_heads: model.num_heads,
        num_kv_heads: model.num_kv_heads, intermediate_size: model.intermediate_size,
        vocab_size: model.vocab_size, tie_word_embeddings: model.tie_word_embeddings, family: model.family,
      });
      expect({
        micro_batch: job!.micro_batch, seq_len: job!.seq_len, precision: job!.precision,
        amp_style: job!.precision.endsWith('-mixed') ? job!.amp_style : undefined, optimizer: job!.optimizer,
        grad_checkpointing: job!.grad_checkpointing, attention: job!.attention,
        peft: job!.peft && { r: job!.peft.r, alpha: job!.peft.alpha, targets: job!.peft.targets },
      }).toEqual({
        micro_batch: rest.micro_batch, seq_len: rest.seq_len, precision: rest.precision,
        amp_style: rest.precision.endsWith('-mixed') ? rest.amp_style : undefined, optimizer: rest.optimizer,
        grad_checkpointing: rest.grad_checkpointing, attention: rest.attention,
        peft: rest.peft && { r: rest.peft.r, alpha: rest.peft.alpha, targets: rest.peft.targets },
      });
    });
  }
});
