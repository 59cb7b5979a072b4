/**
 * A stand-in Analyzer for in-process server tests: it reads `batch = N` and `model = load("id")`
 * from a toy script and answers with a plausible Analysis, so the LSP layer can be tested without
 * parsing. A script containing `raise` makes it throw.
 */
import type { DocumentAnalyzer } from '../../../server/src/lsp/analyses';
import type { Analysis, AnalysisSettings, Range } from '../../../server/src/analysis/types';
import type { Estimate, Gpu, TrainingJob } from '../../../estimator/src/types';

const GiB = 2 ** 30;

export const TOY_SCRIPT = ['model = load("tiny-llama")', 'batch = 8', 'train(model, batch)', ''].join('\n');

export function gpuFor(id: string): Gpu {
  const memory = id === 'V100-32GB' ? 32 : 80;
  return { id, name: id, memory_bytes: memory * GiB, bf16: memory === 80, peak_half_tflops: 100, peak_fp32_tflops: 20, source: 'test' };
}

export function toyJob(batch: number, gpus: number): TrainingJob {
  return {
    model: { id: 'tiny-llama', family: 'llama', hidden_size: 64, intermediate_size: 128, num_layers: 2, num_heads: 4, num_kv_heads: 4, vocab_size: 1000, max_position_embeddings: 512, tie_word_embeddings: false, source: 'test config' },
    micro_batch: batch, grad_accum: 1, seq_len: 512, precision: 'bf16-mixed', amp_style: 'autocast',
    optimizer: 'adamw', grad_checkpointing: false, attention: 'sdpa', peft: null, gpus,
  };
}

export function toyEstimate(batch: number, gpu: Gpu): Estimate {
  const per_gpu = { weights: 10 * GiB, gradients: 5 * GiB, optimizer_states: 5 * GiB, activations: batch * 10 * GiB, autocast_weight_copies: 0, other: GiB / 2, total: 0 };
  per_gpu.total = per_gpu.weights + per_gpu.gradients + per_gpu.optimizer_states + per_gpu.activations + per_gpu.other;
  return {
    per_gpu, capacity_bytes: gpu.memory_bytes, fits: per_gpu.total <= gpu.memory_bytes,
    params: { total: 1_300_000_000, trainable: 1_300_000_000 }, detail: {}, flops_per_step: 4e15, notes: ['activations measured for SDPA'],
  };
}

function lineRange(lines: string[], needle: string): Range | undefined {
  const line = lines.findIndex((l) => l.includes(needle));
  if (line < 0) return undefined;
  const character = lines[line].indexOf(needle);
  return { start: { line, character }, end: { line, character: character + needle.length } };
}

export function toyAnalysis(uri: string, text: string, settings: AnalysisSettings): Analysis {
  const lines = text.split('\n');
  const gpu = gpuFor(settings.gpu);
  const batchMatch = /^batch = (\d+)$/m.exec(text);
  const batchRange = batchMatch ? lineRange(lines, batchMatch[0]) : undefined;
  const modelRange = lineRange(lines, '"tiny-llama"');
  if (!batchMatch || !batchRange || !modelRange) {
    return { file: uri, job: null, values: {}, gpu, estimate: null, findings: [], fixes: [], assumptions: [], anchors: [] };
  }
  const batch = Number(batchMatch[1]);
  const estimate = toyEstimate(batch, gpu);
  const valueRange = { start: { line: batchRange.start.line, character: 8 }, end: batchRange.end };
  const half = toyEstimate(Math.max(1, Math.floor(batch / 2)), gpu);
  return {
    file: uri,
    job: toyJob(batch, settings.gpus),
    values: {
      micro_batch: { value: batch, status: 'known', source: { file: uri, range: batchRange }, reason: `batch = ${batch}` },
      seq_len: { value: 512, status: 'assumed', reason: 'not found in the script' },
    },
    gpu,
    estimate,
    findings: estimate.fits ? [] : [{
      code: 'TL001',
      severity: 'error',
      message: `needs ${(estimate.per_gpu.total / GiB).toFixed(1)} GiB per GPU; ${gpu.id} has ${(gpu.memory_bytes / GiB).toFixed(1)} GiB`,
      range: batchRange,
      fixIds: ['halve-batch', 'no-edit'],
    }],
    fixes: [
      { id: 'halve-batch', title: 'Halve the batch', saves_bytes: estimate.per_gpu.total - half.per_gpu.total, total_after_bytes: half.per_gpu.total, fits_after: half.fits, edits: [{ range: valueRange, newText: String(Math.max(1, Math.floor(batch / 2))) }] },
      { id: 'no-edit', title: 'Use ZeRO-3', saves_bytes: GiB, total_after_bytes: estimate.per_gpu.total - GiB, fits_after: false, edits: [] },
    ],
    assumptions: ['sequence length 512 assumed: not found'],
    anchors: [
      { range: modelRange, kind: 'model', field: 'model' },
      { range: { start: { line: 0, character: 0 }, end: { line: 2, character: 19 } }, kind: 'training-args' },
      { range: valueRange, kind: 'argument', field: 'micro_batch' },
    ],
  };
}

export interface FakeAnalyzer extends DocumentAnalyzer {
  readonly calls: { uri: string; version: number; text: string; settings: AnalysisSettings }[];
  readonly closed: string[];
}

export function createFakeAnalyzer(): FakeAnalyzer {
  const calls: FakeAnalyzer['calls'] = [];
  const closed: string[] = [];
  return {
    calls,
    closed,
    analyze(doc, settings) {
      calls.push({ uri: doc.uri, version: doc.version, text: doc.text, settings });
      if (doc.text.includes('raise')) throw new Error('boom: the fake analyzer was asked to fail');
      return toyAnalysis(doc.uri, doc.text, settings);
    },
    close: (uri) => void closed.push(uri),
    dispose: () => undefined,
  };
}
