/**
 * Whatever the text, the analysis the server asks for returns (an analysis, or a clear message
 * when the file is skipped or too pathological to finish in its time budget) within a bound:
 * random bytes and Unicode, truncations and mutations of every fixture script and config, deeply
 * nested code, huge literals, a 10 MB file and binary junk with a .py name.
 * Counts: TRAINLENS_FUZZ_RUNS=10 multiplies the cases per property (CI runs the base counts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { AnalysisStore } from '../../server/src/lsp/analyses';
import { corpus, runs } from './corpus';
import { applyEdit, textEdit } from './edits';

/** Far above any real analysis (and above the 3 s tree-sitter budgets): only a hang reaches it. */
const BOUND_MS = 10_000;
const NO_SIZE_LIMIT = { maxFileBytes: Infinity };
const settings = { gpu: 'A100-80GB', gpus: 1 };
const files = corpus();
let store: AnalysisStore;
let version = 0;
/** What the analysis reported instead of a result, by kind (printed for the record). */
const messages = new Map<string, number>();

beforeAll(() => {
  store = new AnalysisStore(createAnalyzer(), () => undefined);
});

afterAll(() => {
  console.log(`robustness: ${version} analyses; messages instead of results: ${JSON.stringify(Object.fromEntries(messages))}`);
});

/** Analyses `text` as a fresh document named `name`; it must give a result or a clear message, in time. */
async function analyseWithin(text: string, name = 'fuzz.py', limits = NO_SIZE_LIMIT): Promise<string | undefined> {
  const uri = `file:///fuzz/${++version}/${name}`;
  const started = performance.now();
  const result = await store.analyze({ uri, version, getText: () => text }, settings, limits);
  const elapsed = performance.now() - started;
  await store.close(uri);
  expect(elapsed, `analysis of ${text.length} characters took ${elapsed.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
  if (result.analysis) {
    expect(result.analysis.file).toBe(uri);
    return undefined;
  }
  // The only acceptable non-results: skipped by size, or stopped by the time budget. An exception is a bug.
  expect(result.error.message).toMatch(/^TrainLens (skipped this file|stopped (parsing|reading) this file)/);
  const kind = result.error.message.split(':')[0];
  messages.set(kind, (messages.get(kind) ?? 0) + 1);
  return result.error.message;
}

const extension = fc.constantFrom('py', 'json');
const unicode = fc.constantFrom<'grapheme' | 'binary'>('grapheme', 'binary').chain((unit) => fc.string({ unit, maxLength: 2000 }));

describe('analysis of any input', () => {
  it(`random bytes, decoded as UTF-8 and Latin-1 (${runs(200)} cases)`, async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), extension, async (bytes, ext) => {
      await analyseWithin(Buffer.from(bytes).toString('utf8'), `bytes.${ext}`);
      await analyseWithin(Buffer.from(bytes).toString('latin1'), `bytes.${ext}`);
    }), { numRuns: runs(200) });
  });

  it(`random Unicode, lone surrogates included (${runs(200)} cases)`, async () => {
    await fc.assert(fc.asyncProperty(unicode, extension, async (text, ext) => {
      await analyseWithin(text, `unicode.${ext}`);
    }), { numRuns: runs(200) });
  });

  it(`prefix cuts of every fixture (${files.length} files, ${runs(300)} cases)`, async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...files), fc.double({ min: 0, max: 1, noNaN: true }), async (file, at) => {
      await analyseWithin(file.text.slice(0, Math.floor(at * file.text.length)), file.language === 'json' ? 'cut.json' : 'cut.py');
    }), { numRuns: runs(300) });
  });

  it(`random mutations of every fixture (${runs(300)} cases)`, async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...files), fc.array(textEdit, { minLength: 1, maxLength: 12 }), async (file, edits) => {
      await analyseWithin(edits.reduce(applyEdit, file.text), file.language === 'json' ? 'mutated.json' : 'mutated.py');
    }), { numRuns: runs(300) });
  });

  it('deeply nested expressions, blocks and JSON', async () => {
    const depth = 3000;
    await analyseWithin(`x = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`);
    await analyseWithin(`x = ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    await analyseWithin(`args = TrainingArguments(per_device_train_batch_size=${'f('.repeat(depth)}1${')'.repeat(depth)})\n`);
    await analyseWithin(`x = ${'1 + '.repeat(depth * 5)}1\n`);
    await analyseWithin(Array.from({ length: 200 }, (_, i) => `${'    '.repeat(i)}if x:\n`).join('') + `${'    '.repeat(200)}pass\n`);
    await analyseWithin(`${'{"a": '.repeat(depth)}1${'}'.repeat(depth)}`, 'ds_config.json');
    await analyseWithin('('.repeat(depth * 10)); // unclosed: pathological for the queries, stopped by the budget
  }, 60_000);

  it('huge literals', async () => {
    await analyseWithin(`BATCH = ${'9'.repeat(100_000)}\nargs = TrainingArguments(per_device_train_batch_size=BATCH)\n`);
    await analyseWithin(`MODEL = "${'a'.repeat(1_000_000)}"\nmodel = AutoModelForCausalLM.from_pretrained(MODEL)\n`);
    await analyseWithin(`xs = [${Array.from({ length: 100_000 }, (_, i) => i).join(', ')}]\n`);
    await analyseWithin(`{"train_micro_batch_size_per_gpu": ${'9'.repeat(100_000)}}`, 'ds_config.json');
  }, 60_000);

  it('a 10 MB script and a 10 MB binary file with a .py name: skipped by the size limit, bounded without it', async () => {
    const script = files.find((f) => f.name.endsWith('llama2-7b-full-finetune.py'))!.text;
    const big = script + 'x = 1\n'.repeat(Math.ceil((10 * 2 ** 20) / 6));
    const binary = Buffer.alloc(10 * 2 ** 20);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 2654435761) >>> 24;
    for (const [text, name] of [[big, 'big.py'], [binary.toString('latin1'), 'model.safetensors.py']]) {
      expect(await analyseWithin(text, name, { maxFileBytes: 2 * 2 ** 20 })).toMatch(/^TrainLens skipped this file: \d+\.\d MiB is over/);
      await analyseWithin(text, name);
    }
  }, 120_000);
});
