/**
 * The YAML subset that `accelerate config` and YAML-driven trainers (axolotl, LLaMA-Factory,
 * torchtune) write: nested block mappings, block sequences of scalars, scalars (strings, numbers,
 * booleans, null), comments. Anchors, flow collections and multi-line strings are skipped, not
 * guessed. Each key's 0-based line is kept, by dotted path, for diagnostics.
 */
export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlScalar[] | YamlMap;
export interface YamlMap { [key: string]: YamlValue }

export interface YamlDocument { root: YamlMap; lines: Map<string, number> }

export function readYamlMap(text: string): YamlMap {
  return readYamlDocument(text).root;
}

export function readYamlDocument(text: string): YamlDocument {
  const root: YamlMap = {};
  const lines = new Map<string, number>();
  const stack: { indent: number; map: YamlMap; path: string }[] = [{ indent: -1, map: root, path: '' }];
  let open: { parent: YamlMap; key: string; indent: number } | undefined;
  text.split(/\r?\n/).forEach((raw, row) => {
    const line = raw.replace(/(^|\s+)#.*$/, '');
    if (!line.trim()) return;
    const item = /^(\s*)-\s+(.*)$/.exec(line);
    if (item && open && item[1].length >= open.indent) {
      const current = open.parent[open.key];
      const list = Array.isArray(current) ? current : [];
      list.push(scalar(item[2]));
      open.parent[open.key] = list;
      return;
    }
    const m = /^(\s*)([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) return;
    const indent = m[1].length;
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const { map: parent, path } = stack[stack.length - 1];
    const key = m[2];
    const keyPath = path ? `${path}.${key}` : key;
    lines.set(keyPath, row);
    if (m[3] === '') {
      const child: YamlMap = {};
      parent[key] = child;
      stack.push({ indent, map: child, path: keyPath });
      open = { parent, key, indent };
    } else {
      parent[key] = scalar(m[3]);
      open = undefined;
    }
  });
  return { root, lines };
}

function scalar(text: string): YamlScalar {
  const t = text.trim();
  if (/^(['"]).*\1$/.test(t)) return t.slice(1, -1);
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^(null|Null|NULL|~)$/.test(t)) return null;
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}
