/** TL006: FlashAttention-2 on a GPU without its kernels, on the attn_implementation argument; none on Ampere. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

const SCRIPT =
  'from transformers import AutoModelForCausalLM, TrainingArguments\n' +
  'model = AutoModelForCausalLM.from_pretrained("gpt2", attn_implementation="flash_attention_2")\n' +
  'args = TrainingArguments(per_device_train_batch_size=1, fp16=True, max_steps=10)\n';

describe('TL006 FlashAttention-2 support', () => {
  it('is an error on V100 and T4, on the line that asks for flash_attention_2', () => {
    for (const gpu of ['V100-32GB', 'T4']) {
      const a = analyzer.analyze({ uri: `file:///w/fa-${gpu}.py`, text: SCRIPT, version: 1 }, { gpu, gpus: 1 });
      expect(a.job!.attention).toBe('flash');
      const f = a.findings.find((x) => x.code === 'TL006');
      expect(f, gpu).toBeDefined();
      expect(f!.severity).toBe('error');
      expect(f!.message).toContain(`${gpu} has no FlashAttention-2 kernels`);
      expect(f!.range.start.line).toBe(1);
    }
  });

  it('is absent on Ampere and for SDPA', () => {
    const a100 = analyzer.analyze({ uri: 'file:///w/fa-a100.py', text: SCRIPT, version: 1 }, { gpu: 'A100-80GB', gpus: 1 });
    expect(a100.findings.map((f) => f.code)).not.toContain('TL006');
    const sdpa = analyzer.analyze({ uri: 'file:///w/sdpa.py', text: SCRIPT.replace('flash_attention_2', 'sdpa'), version: 1 }, { gpu: 'V100-32GB', gpus: 1 });
    expect(sdpa.findings.map((f) => f.code)).not.toContain('TL006');
  });
});
