/**
 * accelerate config documents are re-parsed incrementally (AccelerateAnalyzer keeps a TreeCache, as DeepSpeed
 * configs do): after each of a random sequence of edits to a fixture accelerate config, the analysis, every hover
 * and the completions at the start of every line equal those of a fresh analyzer given the final text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { isAccelerateConfig } from '../../server/src/accelerate/analysis';
import { ROOT, runs } from './corpus';
import { applyEdit, type TextEdit } from './edits';

const FOLDERS = ['test/fixtures/configs/accelerate', 'test/fixtures/scripts/21-accelerate-fsdp-offload', 'test/fixtures/scripts/u1-accelerate-ds-config-file/configs'];
const configs = [
  'test/fixtures/configs/accelerate/zero1.yaml',
  'test/fixtures/configs/accelerate/broken.yaml',
  'test/fixtures/configs/accelerate/file_conflict.yaml',
  'test/fixtures/scripts/21-accelerate-fsdp-offload/fsdp_offload.yaml',
  'test/fixtures/scripts/u1-accelerate-ds-config-file/configs/accelerate_ds.yaml',
].map((path) => readFileSync(join(ROOT, path), 'utf8'));

/** YAML structure (indentation, keys, lists, flow collections, quotes, comments) and random characters. */
const FRAGMENTS = [
  '\n', '  ', '\t', ': ', '- ', '#', '"', "'", '{', '}', '[', ']', ',', '\r\n', '---\n', '&a ', '*a', '!!str ',
  'mixed_precision: bf16\n', 'zero_stage: 3\n', 'deepspeed_config:\n  offload_optimizer_device: cpu\n', 'num_processes: 8\n',
  'distributed_type: FSDP\n', 'fsdp_config:\n  fsdp_offload_params: true\n', '😀', '\u0000', '\uD800',
];
const yamlEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 24 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6, unit: 'binary' }), fc.constant('')),
});

const settings = { gpu: 'A100-80GB', gpus: 1 };
let incremental: Analyzer;
let fresh: Analyzer;
beforeAll(async () => {
  [incremental, fresh] = await Promise.all([createAnalyzer(), createAnalyzer()]);
});
afterAll(() => {
  incremental?.dispose();
  fresh?.dispose();
});

/** The analysis as data, with the hover and the completions at the start of every line's text. */
function described(analysis: ReturnType<Analyzer['analyze']>, text: string, uri: string) {
  const at = (line: string, i: number) => ({ line: i, character: line.search(/\S|$/) + 1 });
  return JSON.parse(JSON.stringify({
    analysis,
    hovers: text.split('\n').map((line, i) => analysis.config?.hover(at(line, i)) ?? null),
    completions: text.split('\n').map((line, i) => analysis.config?.complete(at(line, i)) ?? null),
  }).replaceAll(uri, 'X'));
}

describe('incremental accelerate configs', () => {
  it(`fixtures are accelerate configs from ${FOLDERS.length} folders`, () => {
    expect(configs.every(isAccelerateConfig)).toBe(true);
  });

  it(`give the same analysis, hovers and completions as a fresh analyzer after every random edit (${runs(60)} sequences over ${configs.length} configs)`, () => {
    let version = 0;
    fc.assert(
      fc.property(fc.record({ config: fc.constantFrom(...configs), edits: fc.array(yamlEdit, { minLength: 1, maxLength: 8 }) }), ({ config, edits }) => {
        let text = config;
        for (const edit of [undefined, ...edits]) {
          if (edit) text = applyEdit(text, edit);
          version++;
          const scratchUri = `file:///fresh-${version}.yaml`;
          const expected = described(fresh.analyze({ uri: scratchUri, text, version }, settings), text, scratchUri);
          fresh.close(scratchUri);
          const actual = described(incremental.analyze({ uri: 'file:///edited.yaml', text, version }, settings), text, 'file:///edited.yaml');
          expect(actual).toEqual(expected);
        }
        incremental.close('file:///edited.yaml');
      }),
      { numRuns: runs(60) },
    );
  });
});
