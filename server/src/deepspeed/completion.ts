/**
 * Completion in a DeepSpeed config: between members of an object, or on a key being typed, the
 * keys of that section (with their docs) not written yet; on a value, the allowed values of its
 * key (enums, true/false, "auto" where Hugging Face fills it).
 */
import type { Range } from '../analysis/types';
import { rangeAt } from './edits';
import type { JsonValue } from './json-tree';
import type { Location } from './hover';
import { formatValue, specAt, type KeySpec } from './schema';
import type { ConfigCompletion } from './view';

export function completionsAt(location: Location, text: string, offset: number): ConfigCompletion[] {
  const { member, object, path } = location;
  if (location.on === 'value' && member) return valueCompletions(specAt([...path, member.key]), member.value ? member.value.range : rangeAt(text, offset, offset));
  const section = specAt(path);
  if (!section?.keys) return [];
  const present = new Set(object.members.filter((m) => m !== member).map((m) => m.key));
  const range = location.partialKey?.range ?? (location.on === 'key' && member ? member.keySpan.range : rangeAt(text, offset, offset));
  const typingKey = location.on === 'key';
  return Object.entries(section.keys)
    .filter(([key, spec]) => !present.has(key) && !spec.deprecated && !spec.aliasOf)
    .map(([key, spec]) => ({
      label: key,
      kind: 'key' as const,
      detail: detail(spec),
      documentation: spec.doc,
      insertText: typingKey && member?.value ? JSON.stringify(key) : `${JSON.stringify(key)}: ${placeholder(spec)}`,
      range,
    }));
}

function valueCompletions(spec: KeySpec | undefined, range: Range): ConfigCompletion[] {
  if (!spec) return [];
  const values: JsonValue[] = spec.values ?? (spec.type === 'boolean' ? [true, false] : spec.default !== undefined ? [spec.default] : []);
  const all = spec.hfAuto ? [...values, 'auto'] : values;
  return all.map((v) => ({
    label: formatValue(v),
    kind: 'value' as const,
    detail: v === spec.default ? 'default' : v === 'auto' ? 'filled by Hugging Face / accelerate' : undefined,
    documentation: spec.doc,
    insertText: JSON.stringify(v),
    range,
  }));
}

function detail(spec: KeySpec): string {
  const def = spec.defaultText ?? (spec.default !== undefined ? formatValue(spec.default) : undefined);
  return def !== undefined ? `${spec.type}, default ${def}` : spec.type;
}

/** What follows `"key": ` when a key is inserted: the default, else an empty value of its type. */
function placeholder(spec: KeySpec): string {
  if (spec.type === 'object') return '{}';
  if (spec.default !== undefined) return formatValue(spec.default);
  return { boolean: 'false', integer: '1', number: '0', string: '""', array: '[]', any: 'null', object: '{}' }[spec.type];
}
