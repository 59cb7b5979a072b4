/** The Markdown breakdown that hovers show and the CLI prints. */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../server/src/analysis/types';
import { breakdownMarkdown } from '../../server/src/render/breakdown';
import { escapeMarkdown } from '../../server/src/render/markdown';
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

describe('escapeMarkdown', () => {
  it('escapes what Markdown would format', () => {
    expect(escapeMarkdown('a*b_c `d` <e> | #f [g]')).toBe('a\\*b\\_c \\`d\\` \\<e\\> \\| \\#f \\[g\\]');
  });
});
