/**
 * Setting a key of a DeepSpeed config written as a Python dict literal in the script (`ds_config = {...}` passed
 * to `deepspeed.initialize(config=...)` or `TrainingArguments(deepspeed=...)`): the value replaced where it is
 * written, or a `"key": value` pair added in the dict's own layout (python-layout addKeywords), nested dicts
 * descended into. Values come as JSON text (what the JSON writers produce) and are written as Python.
 */
import type { Node } from 'web-tree-sitter';
import { rangeOf } from '../analysis/values';
import type { EditIntent } from './intents';
import { addKeywords } from './python-layout';

/** Python's spelling of a JSON value: True/False/None, dicts and lists in Python syntax. */
export function pythonOfJson(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(pythonOfJson).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonOfJson(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

const LITERALS = ['integer', 'float', 'string', 'true', 'false', 'none', 'dictionary', 'list'];

/** The key of a `"key": value` pair when it is a plain string literal. */
function keyOf(pair: Node): string | undefined {
  const key = pair.childForFieldName('key');
  if (key?.type !== 'string') return undefined;
  return /^(['"])(.*)\1$/s.exec(key.text)?.[2];
}

/** Sets `path` in a dict literal to a JSON value text; undefined when the dict is not a literal TrainLens can edit. */
export function setDictKey(uri: string, text: string, dict: Node, path: string[], jsonText: string): EditIntent[] | undefined {
  if (dict.type !== 'dictionary') return undefined;
  const value = pythonOfJson(JSON.parse(jsonText));
  let object = dict;
  for (let i = 0; i < path.length; i++) {
    const pair = object.namedChildren.find((c): c is Node => c?.type === 'pair' && keyOf(c) === path[i]);
    const current = pair?.childForFieldName('value');
    if (!current) {
      const nested = path.slice(i + 1).reduceRight((inner, key) => `{${JSON.stringify(key)}: ${inner}}`, value);
      const edit = addKeywords(object, [`${JSON.stringify(path[i])}: ${nested}`], text);
      return [{ kind: 'replace', uri, ...edit }];
    }
    // a value computed or named elsewhere (`MICRO`) is set there, not overwritten here
    if (i === path.length - 1) return LITERALS.includes(current.type) ? [{ kind: 'replace', uri, range: rangeOf(current), newText: value }] : undefined;
    if (current.type !== 'dictionary') return undefined;
    object = current;
  }
  return undefined;
}
