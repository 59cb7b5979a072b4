/**
 * Completion in a DeepSpeed config: between members of an object, or on a key being typed, the
 * keys of that section (with their docs) not written yet; on a value, the allowed values of its
 * key (enums, true/false, "auto" where Hugging Face fills it).
 */
import type { Range } from '../analysis/types';
import { rangeAt } from './edits';
import type { JsonValue } from './json-tree';
import type { Location } from './hover';
import { formatValue, specAt as deepspeedSpecAt, type KeySpec, type Schema } from './schema';
import type { ConfigCompletion } from './view';

/** How keys and values are written: JSON (quoted keys and strings) or YAML (plain scalars). */
export type Style = 'json' | 'yaml';

export function completionsAt(location: Location, text: string, offset: number, specAt: Schema['specAt'] = deepspeedSpecAt, style: Style = 'json'): ConfigCompletion[] {
  const { member, object, path } = location;
  if (location.on === 'value' && member) return valueCompletions(specAt([...path, member.key]), member.value ? member.value.range : rangeAt(text, offset, offset), style);
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
      insertText: typingKey && member?.value ? written(key, style) : `${written(key, style)}: ${placeholder(spec, style)}`,
      range,
    }));
}

function valueCompletions(spec: KeySpec | undefined, range: Range, style: Style): ConfigCompletion[] {
  if (!spec) return [];
  const values: JsonValue[] = spec.values ?? spec.suggestions ?? (spec.type === 'boolean' ? [true, false] : spec.default !== undefined ? [spec.default] : []);
  const all = spec.hfAuto ? [...values, 'auto'] : values;
  return all.map((v) => ({
    label: style === 'json' ? formatValue(v) : written(v, style),
    kind: 'value' as const,
    detail: v === spec.default ? 'default' : v === 'auto' ? 'filled by Hugging Face / accelerate' : undefined,
    documentation: spec.doc,
    insertText: written(v, style),
    range,
  }));
}

function detail(spec: KeySpec): string {
  const def = spec.defaultText ?? (spec.default !== undefined ? formatValue(spec.default) : undefined);
  return def !== undefined ? `${spec.type}, default ${def}` : spec.type;
}

/** What follows `"key": ` when a key is inserted: the default, else an empty value of its type (a YAML mapping starts empty). */
function placeholder(spec: KeySpec, style: Style): string {
  if (spec.type === 'object') return style === 'json' ? '{}' : '';
  if (spec.default !== undefined) return style === 'json' ? formatValue(spec.default) : written(spec.default, style);
  return { boolean: 'false', integer: '1', number: '0', string: style === 'json' ? '""' : '', array: '[]', any: style === 'json' ? 'null' : '', object: '{}' }[spec.type];
}

/** A key or scalar as the format writes it: JSON quotes strings; YAML leaves plain words bare except those PyYAML (YAML 1.1) reads as booleans or null. */
function written(v: JsonValue, style: Style): string {
  return style === 'yaml' && typeof v === 'string' && /^[A-Za-z_][\w.-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) ? v : JSON.stringify(v);
}
