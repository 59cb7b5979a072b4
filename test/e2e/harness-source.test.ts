// Fast check of the e2e harness's hover-position finder (no editor needed).
import { describe, expect, it } from 'vitest';
import { modelIdPositions } from './harness/source';

const at = (source: string, p: { line: number; column: number }) => source.split('\n')[p.line - 1].slice(p.column - 3, p.column + 2);

describe('modelIdPositions', () => {
  it('puts the from_pretrained argument first, then model-id strings', () => {
    const source = [
      'MODEL_ID = "meta-llama/Llama-2-7b-hf"',
      'tok = AutoTokenizer.from_pretrained(MODEL_ID)',
      'model = AutoModelForCausalLM.from_pretrained(MODEL_ID, attn_implementation="sdpa")',
      '# "org/commented"',
    ].join('\n');
    const positions = modelIdPositions(source);
    expect(positions.map((p) => p.line)).toEqual([3, 1]);
    expect(at(source, positions[0])).toMatch(/^[A-Z_]+$/);
    expect(at(source, positions[1])).toMatch(/^[\w/-]+$/);
  });

  it('finds a literal argument', () => {
    const source = 'model = LlamaForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")';
    const [p] = modelIdPositions(source);
    expect(p.line).toBe(1);
    expect(source.slice(p.column - 1)).toMatch(/^[\w/-]+"\)$/);
  });
});
