/**
 * A Python value as plain JSON-like data (dicts evaluated entry by entry), for configs written as
 * dict literals: `deepspeed={"zero_optimization": {"stage": 3}}`. Entries that cannot be read
 * statically are left out and named.
 */
import { isDict, isDtype, type Evaluator, type PyValue } from './evaluate';

export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

export function toPlain(ev: Evaluator, value: PyValue, unread: string[] = [], path = ''): Plain {
  if (Array.isArray(value)) return value.map((v, i) => toPlain(ev, v, unread, `${path}[${i}]`));
  if (isDtype(value)) return value.name;
  if (!isDict(value)) return value;
  const out: { [key: string]: Plain } = {};
  for (const key of value.entries.keys()) {
    const entry = ev.lookup(value, key);
    if (entry?.ok) out[key] = toPlain(ev, entry.value, unread, path ? `${path}.${key}` : key);
    else unread.push(path ? `${path}.${key}` : key);
  }
  return out;
}
