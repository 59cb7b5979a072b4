/** The code lens above the training call and the inlay hints, on real analyses. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import { codeLenses, FIT_JOB_COMMAND, inlayHints, SHOW_BREAKDOWN_COMMAND } from '../../server/src/lsp/lenses';
import { parseSettings } from '../../server/src/lsp/settings';
import { hoverAt } from '../../server/src/lsp/hover';
import { escapeMarkdown } from '../../server/src/render/markdown';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const SCRIPT = `from transformers import AutoModelForCausalLM, TrainingArguments
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
args = TrainingArguments(
    per_device_train_batch_size=4,
    bf16=True,
    max_steps=1000,
)
`;

describe('code lens', () => {
  it('sits on the TrainingArguments line with memory, time, GPUs and the verdict, and opens the breakdown', () => {
    const a = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT, version: 1 }, { gpu: 'A100-80GB', gpus: 8 });
    const [lens] = codeLenses(a);
    expect(lens.range.start.line).toBe(2);
    expect(lens.command!.title).toMatch(/^≈ \d+\.\d \/ 80\.0 GiB per GPU · [\d.]+ (h|min) on 8 × A100-80GB · does not fit$/);
    expect(lens.command!.command).toBe(SHOW_BREAKDOWN_COMMAND);
    expect(lens.command!.arguments).toEqual(['file:///w/train.py', { line: 2, character: 7 }]);
  });

  it('for a job that does not fit, a second lens with the best plan opens "Fit this job to…"; none when it fits', () => {
    const a = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT, version: 1 }, { gpu: 'A100-80GB', gpus: 8 });
    const [, best] = codeLenses(a);
    expect(best.range).toEqual(codeLenses(a)[0].range);
    expect(best.command!.title).toBe(`Best fit: ${a.bestPlan!.title}: ${a.bestPlan!.effect}`);
    expect(best.command!.title).toMatch(/^Best fit: .+: [\d.]+ → [\d.]+ GiB/);
    expect(best.command!.command).toBe(FIT_JOB_COMMAND);
    const fits = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT.replace('Llama-2-7b-hf', 'Llama-3.2-1B').replace('=4', '=1'), version: 2 }, { gpu: 'A100-80GB', gpus: 8 });
    expect(fits.estimate!.fits).toBe(true);
    expect(codeLenses(fits)).toHaveLength(1);
  });

  it('the hover shows the same best plan under the breakdown table when the job does not fit, and none when it fits', () => {
    const a = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT, version: 1 }, { gpu: 'A100-80GB', gpus: 8 });
    const hover = hoverAt(a, { line: 1, character: 50 })!;
    const markdown = (hover.contents as { value: string }).value;
    expect(markdown).toContain(`Best fit: ${escapeMarkdown(a.bestPlan!.title)}: ${a.bestPlan!.effect}`);
    expect(markdown.indexOf('Best fit:')).toBeGreaterThan(markdown.indexOf('| Fits |'));
    const fits = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT.replace('Llama-2-7b-hf', 'Llama-3.2-1B').replace('=4', '=1'), version: 2 }, { gpu: 'A100-80GB', gpus: 8 });
    expect((hoverAt(fits, { line: 1, character: 50 })!.contents as { value: string }).value).not.toContain('Best fit:');
  });

  it('no lens without an estimate', () => {
    expect(codeLenses(analyzer.analyze({ uri: 'file:///w/x.py', text: 'print(1)\n', version: 1 }, { gpu: 'A100-80GB', gpus: 1 }))).toEqual([]);
  });
});

describe('inlay hints', () => {
  it('after each memory-relevant argument, the component it drives, from the estimate', () => {
    const a = analyzer.analyze({ uri: 'file:///w/train.py', text: SCRIPT, version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    const hints = inlayHints(a);
    const batch = hints.find((h) => h.position.line === 3)!;
    expect(batch.label).toBe(`≈ ${(a.estimate!.per_gpu.activations / 2 ** 30).toFixed(1)} GiB activations`);
    expect(hints.find((h) => h.position.line === 4)!.label).toMatch(/GiB weights$/);
  });

  it('are off unless the setting turns them on', () => {
    expect(parseSettings({}, () => {}).inlayHints).toBe(false);
    expect(parseSettings({ inlayHints: true }, () => {}).inlayHints).toBe(true);
  });
});
