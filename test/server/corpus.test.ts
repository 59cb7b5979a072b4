/**
 * The fixture corpus (test/fixtures/scripts/<NN-name>/): realistic training and inference scripts,
 * each with the launchers, configs and model folders it references, and an expected.json listing
 * every memory-relevant setting a careful reader derives from those files (dotted paths into the
 * TrainingJob). Each case is analysed as the editor would (workspace = the case folder) and every
 * expected path compared with the job.
 *
 * Coverage is printed per case, not asserted per case: the resolver grows into the corpus, and a
 * floor on the share resolved keeps it from shrinking. Honesty is strict: a setting the files
 * cannot determine (expected.json `unknown`) must never be reported as known.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { Analysis, AnalysisSettings, ValueInfo } from '../../server/src/analysis/types';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

const CORPUS_DIR = resolve(__dirname, '../fixtures/scripts');

/** Share of expected settings resolved to the right value at the end of the corpus author's session; raise it, never lower it. */
const FLOOR = 0.98;

interface CaseSpec {
  entry: string;
  settings: { gpu: string; gpus: number };
  /** A whole launch command (launcher flags included), passed as the analysis's `command` setting. */
  command: string | null;
  /** Folder (relative to the case) that stands in for the Hugging Face hub cache. */
  hfCache?: string;
  expected: Record<string, unknown>;
  /** Expected paths whose value comes only from a library default: must be reported as assumed. */
  defaults?: string[];
  /** Paths the files cannot determine: must be reported as assumed or unknown, never known. */
  unknown?: string[];
}

type Outcome = 'correct' | 'wrong' | 'honest' | 'claimed';

interface Check { path: string; outcome: Outcome; expected?: unknown; got?: unknown; note?: string }

interface CaseResult { name: string; checks: Check[]; error?: string }

/** Dotted paths a case may name: TrainingJob fields and the fields of its nested configs (estimator/src/types.ts). */
const JOB_PATHS: Record<string, readonly string[] | null> = {
  model: ['id', 'family', 'hidden_size', 'intermediate_size', 'num_layers', 'num_heads', 'num_kv_heads', 'vocab_size',
    'max_position_embeddings', 'tie_word_embeddings', 'num_experts', 'experts_per_token', 'moe_intermediate_size', 'qkv_bias'],
  micro_batch: null, grad_accum: null, seq_len: null, precision: null, amp_style: null, optimizer: null,
  grad_checkpointing: null, attention: null, gpus: null, checkpointing_mode: null, grad_scaler: null, tf32: null, total_steps: null,
  peft: ['method', 'r', 'alpha', 'targets', 'dropout', 'modules_to_save', 'bottleneck_size', 'num_virtual_tokens'],
  zero: ['stage', 'offload_optimizer', 'offload_param', 'reduce_bucket_size', 'allgather_bucket_size',
    'stage3_prefetch_bucket_size', 'stage3_max_live_parameters', 'stage3_param_persistence_threshold'],
  fsdp: ['strategy', 'cpu_offload', 'shard_group_size'],
  parallel: ['tensor', 'pipeline', 'sequence_parallel', 'expert', 'pipeline_schedule', 'pipeline_micro_batches'],
  quantization: ['method', 'bits', 'double_quant', 'group_size', 'compute_dtype', 'kbit_prepared'],
  inference: ['engine', 'prompt_len', 'max_new_tokens', 'batch', 'kv_cache_dtype', 'gpu_memory_utilization', 'max_model_len'],
  loss_scale: ['loss_scale', 'initial_scale_power', 'loss_scale_window', 'hysteresis', 'min_loss_scale'],
};

/** Job paths whose provenance lives under another field's ValueInfo. */
const VALUE_ALIASES: Record<string, string> = { amp_style: 'precision', 'model.id': 'model' };

function caseNames(): string[] {
  return readdirSync(CORPUS_DIR).filter((n) => statSync(join(CORPUS_DIR, n)).isDirectory()).sort();
}

function readSpec(name: string): CaseSpec {
  return JSON.parse(readFileSync(join(CORPUS_DIR, name, 'expected.json'), 'utf8')) as CaseSpec;
}

function isJobPath(path: string): boolean {
  const [head, sub, ...rest] = path.split('.');
  if (!(head in JOB_PATHS) || rest.length > 0) return false;
  const subs = JOB_PATHS[head];
  return sub === undefined || (subs !== null && subs.includes(sub));
}

function at(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The resolved value of a path: from the job, or (when no job could be built) from the field's ValueInfo ("zero.stage": inside values.zero). */
function resolvedValue(analysis: Analysis, path: string): unknown {
  if (analysis.job) return at(analysis.job, path);
  const values = analysis.values as Record<string, ValueInfo | undefined>;
  if (VALUE_ALIASES[path] === 'model') return values.model && values.model.status !== 'unknown' ? values.model.value : undefined;
  const [head, ...rest] = path.split('.');
  const info = values[path] ?? values[head];
  if (!info || info.status === 'unknown') return undefined;
  return values[path] || rest.length === 0 ? info.value : at(info.value, rest.join('.'));
}

/**
 * The ValueInfo that speaks for a path: its own key if the analysis has one, else (with `prefixes`)
 * the nearest enclosing field ("zero.stage" → "zero"), or the field it is an alias of.
 */
function provenance(analysis: Analysis, path: string, prefixes: boolean): ValueInfo | undefined {
  const values = analysis.values as Record<string, ValueInfo | undefined>;
  if (values[path]) return values[path];
  if (VALUE_ALIASES[path] && (prefixes || VALUE_ALIASES[path] !== 'model')) return values[VALUE_ALIASES[path]];
  if (!prefixes) return undefined;
  const parts = path.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const info = values[parts.slice(0, n).join('.')];
    if (info) return info;
  }
  return undefined;
}

function same(expected: unknown, got: unknown): boolean {
  if (typeof expected === 'number' && typeof got === 'number') return Math.abs(expected - got) <= 1e-9 * Math.max(1, Math.abs(expected));
  if (Array.isArray(expected) && Array.isArray(got)) {
    const sort = (a: unknown[]) => a.map((x) => JSON.stringify(x)).sort();
    return JSON.stringify(sort(expected)) === JSON.stringify(sort(got));
  }
  return JSON.stringify(expected) === JSON.stringify(got);
}

function checkCase(spec: CaseSpec, analysis: Analysis): Check[] {
  const checks: Check[] = [];
  const defaults = new Set(spec.defaults ?? []);
  for (const [path, expected] of Object.entries(spec.expected)) {
    const got = resolvedValue(analysis, path);
    if (!same(expected, got)) {
      checks.push({ path, outcome: 'wrong', expected, got });
      continue;
    }
    const info = provenance(analysis, path, false);
    if (defaults.has(path) && info?.status === 'known') {
      checks.push({ path, outcome: 'wrong', expected, got, note: 'a library default reported as known' });
      continue;
    }
    checks.push({ path, outcome: 'correct', expected, got, ...(info && info.status !== 'known' && !defaults.has(path) ? { note: 'right value, only assumed' } : {}) });
  }
  for (const path of spec.unknown ?? []) {
    const info = provenance(analysis, path, true);
    const got = resolvedValue(analysis, path);
    const claimed = info ? info.status === 'known' : got !== undefined;
    checks.push({ path, outcome: claimed ? 'claimed' : 'honest', got, ...(claimed && !info ? { note: 'a value without provenance' } : {}) });
  }
  return checks;
}

function analyseCase(analyzer: Analyzer, name: string, spec: CaseSpec): Analysis {
  const dir = join(CORPUS_DIR, name);
  const entry = join(dir, spec.entry);
  // An HF cache of the case's own, or none: the machine's real cache must not change the results.
  const hfCache = join(dir, spec.hfCache ?? '.no-hf-cache');
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = hfCache;
  try {
    const files = createWorkspaceFiles([dir], { hfCache });
    const settings: AnalysisSettings & { command?: string } = { ...spec.settings, ...(spec.command ? { command: spec.command } : {}) };
    return analyzer.analyze({ uri: pathToFileURL(entry).href, text: readFileSync(entry, 'utf8'), version: 1 }, settings, files);
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
}

function count(checks: Check[], outcome: Outcome): number {
  return checks.filter((c) => c.outcome === outcome).length;
}

function show(v: unknown): string {
  const s = v === undefined ? '—' : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function coverageTable(results: CaseResult[]): string {
  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  const lines = [`${pad('case', 36)}${pad('correct', 9)}${pad('wrong', 7)}${pad('honest?', 9)}${pad('claimed!', 9)}`];
  for (const r of results) {
    const c = r.checks;
    lines.push(`${pad(r.name, 36)}${pad(`${count(c, 'correct')}/${count(c, 'correct') + count(c, 'wrong')}`, 9)}${pad(count(c, 'wrong'), 7)}` +
      `${pad(count(c, 'honest'), 9)}${pad(count(c, 'claimed'), 9)}${r.error ? `ERROR ${r.error}` : ''}`);
    for (const k of c.filter((x) => x.outcome === 'wrong' || x.outcome === 'claimed' || x.note)) {
      const label = k.outcome === 'claimed' ? 'CLAIMED KNOWN' : k.outcome === 'wrong' ? 'wrong' : 'note';
      lines.push(`    ${pad(label, 14)}${pad(k.path, 34)}expected ${pad(show(k.expected), 42)}got ${show(k.got)}${k.note ? `  (${k.note})` : ''}`);
    }
  }
  const all = results.flatMap((r) => r.checks);
  const known = count(all, 'correct') + count(all, 'wrong');
  const unknown = count(all, 'honest') + count(all, 'claimed');
  lines.push('', `total: ${count(all, 'correct')}/${known} settings resolved correctly (${pct(count(all, 'correct'), known)}), ` +
    `${count(all, 'wrong')} wrong; ${count(all, 'honest')}/${unknown} unknowable settings honestly reported (${pct(count(all, 'honest'), unknown)}), ` +
    `${count(all, 'claimed')} wrongly claimed known; ${results.length} cases`);
  return lines.join('\n');
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`;
}

describe('fixture corpus', () => {
  const names = caseNames();

  it('is well formed: ≥ 30 cases, each naming an entry that exists and only real TrainingJob paths', () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
    for (const name of names) {
      const spec = readSpec(name);
      expect(existsSync(join(CORPUS_DIR, name, spec.entry)), `${name}: entry ${spec.entry}`).toBe(true);
      const paths = [...Object.keys(spec.expected), ...(spec.unknown ?? [])];
      expect(paths.filter((p) => !isJobPath(p)), `${name}: paths that are not TrainingJob paths`).toEqual([]);
      expect((spec.defaults ?? []).filter((p) => !(p in spec.expected)), `${name}: defaults without an expected value`).toEqual([]);
      expect((spec.unknown ?? []).filter((p) => p in spec.expected), `${name}: both expected and unknown`).toEqual([]);
    }
  });

  describe('analysed', () => {
    let analyzer: Analyzer;
    const results: CaseResult[] = [];

    beforeAll(async () => {
      analyzer = await createAnalyzer();
      for (const name of names) {
        const spec = readSpec(name);
        try {
          results.push({ name, checks: checkCase(spec, analyseCase(analyzer, name, spec)) });
        } catch (err) {
          const checks: Check[] = Object.entries(spec.expected).map(([path, expected]) => ({ path, outcome: 'wrong', expected }));
          results.push({ name, checks, error: (err as Error).stack ?? String(err) });
        }
      }
      console.log(`\nTrainLens fixture corpus coverage\n${coverageTable(results)}\n`);
    });
    afterAll(() => analyzer?.dispose());

    it('never throws on a case', () => {
      expect(results.filter((r) => r.error).map((r) => `${r.name}: ${r.error}`)).toEqual([]);
    });

    it('never reports as known a setting the files cannot determine', () => {
      const claimed = results.flatMap((r) => r.checks.filter((c) => c.outcome === 'claimed').map((c) => `${r.name}: ${c.path} = ${show(c.got)}`));
      expect(claimed).toEqual([]);
    });

    it(`resolves at least ${(FLOOR * 100).toFixed(0)}% of the expected settings correctly`, () => {
      const all = results.flatMap((r) => r.checks);
      const correctShare = count(all, 'correct') / (count(all, 'correct') + count(all, 'wrong'));
      expect(correctShare).toBeGreaterThanOrEqual(FLOOR);
    });
  });
});
