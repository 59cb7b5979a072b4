/** Random text edits for property tests: where, how much to delete, what to insert. */
import fc from 'fast-check';

/** `at` is a fraction of the text's length, so one edit applies to any text. */
export interface TextEdit { at: number; remove: number; insert: string }

/** Fragments that change Python structure, plus random Unicode and control characters. */
const FRAGMENTS = [
  '\n', '    ', '\t', '(', ')', '[', ']', '{', '}', ':', ',', '=', '"', "'", '"""', '\\', '#', '\r\n',
  'def f(x):\n    ', 'class C:\n    ', 'if x:\n    ', 'else:\n', 'x = 1\n', 'return ', 'lambda: ',
  'TrainingArguments(per_device_train_batch_size=8, bf16=True)', 'model.gradient_checkpointing_enable()\n',
  '# trainlens: gpu=V100-32GB gpus=2\n', 'AutoModelForCausalLM.from_pretrained("gpt2")', '**kwargs', '*args',
  '😀', 'é', '\u0000', '\uFFFD', '\uD800',
];

export const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 24 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6, unit: 'binary' }), fc.constant('')),
});

export function applyEdit(text: string, edit: TextEdit): string {
  const at = Math.floor(edit.at * text.length);
  return text.slice(0, at) + edit.insert + text.slice(at + edit.remove);
}
