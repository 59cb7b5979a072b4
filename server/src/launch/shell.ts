/**
 * Just enough of POSIX shell to read launch lines: continuation lines joined, comments dropped,
 * words split with single/double quotes and backslashes, `$VAR`/`${VAR}` replaced from the
 * variables assigned earlier in the same file. Nothing is executed.
 */

export interface ShellLine { text: string; line: number }

/** Logical lines (backslash-newline joined), 0-based starting line, comments removed. */
export function logicalLines(text: string): ShellLine[] {
  const out: ShellLine[] = [];
  const physical = text.split(/\r?\n/);
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    // only the newest physical line can end in a backslash (testing the joined line would be quadratic in a long chain)
    const parts = [physical[i]];
    while (/\\\s*$/.test(parts[parts.length - 1]) && i + 1 < physical.length) {
      parts[parts.length - 1] = parts[parts.length - 1].replace(/\\\s*$/, ' ');
      parts.push(physical[++i]);
    }
    const code = stripComment(parts.join('')).trim();
    if (code) out.push({ text: code, line: start });
  }
  return out;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/**
 * What the expansions of one line may add, in characters: far more than any launch line needs, and a bound on a
 * variable doubled line after line (`A=$A$A`), which would otherwise outgrow the longest string V8 can hold.
 */
const EXPANSION_BUDGET = 64 * 1024;

/** Shell words of one line, with variables expanded from `vars` (unknown ones, and those past the budget, left as written). */
export function words(line: string, vars: Map<string, string> = new Map()): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  let budget = EXPANSION_BUDGET;
  const expand = (s: string) => s.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (m, a: string, def: string | undefined, b: string) => {
    const value = vars.get(a ?? b) ?? def ?? m;
    if (value.length > budget) return m;
    budget -= value.length;
    return value;
  });
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") { if (c === "'") quote = undefined; else word += c; continue; }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length) word += line[++i];
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') { quote = c; inWord = true; continue; }
    if (c === '\\' && i + 1 < line.length) { word += line[++i]; inWord = true; continue; }
    if (/\s/.test(c)) { if (inWord) out.push(expand(word)); word = ''; inWord = false; continue; }
    if (c === ';' || c === '&' || c === '|') { if (inWord) out.push(expand(word)); word = ''; inWord = false; out.push(c); continue; }
    word += c;
    inWord = true;
  }
  if (inWord) out.push(expand(word));
  return out;
}

/** `NAME=value` and `export NAME=value` lines, in order, for later expansion. */
export function assignment(line: string, vars: Map<string, string>): boolean {
  const m = /^(?:export\s+)?([A-Za-z_]\w*)=(.*)$/.exec(line);
  if (!m || /\s/.test(m[2].trim().replace(/^(['"]).*\1$/, ''))) return false;
  vars.set(m[1], words(m[2], vars)[0] ?? '');
  return true;
}
