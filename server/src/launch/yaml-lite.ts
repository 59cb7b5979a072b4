/**
 * The YAML subset that `accelerate config` writes: nested block mappings of scalars (strings,
 * numbers, booleans, null), comments and blank lines. Anything else (lists, anchors, flow
 * collections, multi-line strings) is skipped, not guessed.
 */
export type YamlScalar = string | number | boolean | null;
export interface YamlMap { [key: string]: YamlScalar | YamlMap }

export function readYamlMap(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: root }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    const m = /^(\s*)([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const indent = m[1].length;
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1].map;
    if (m[3] === '') {
      const child: YamlMap = {};
      parent[m[2]] = child;
      stack.push({ indent, map: child });
    } else {
      parent[m[2]] = scalar(m[3]);
    }
  }
  return root;
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
