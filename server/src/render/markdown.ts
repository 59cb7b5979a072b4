/** Small Markdown builders shared by the hover renderers. */

/** Escapes characters that Markdown would read as formatting in a plain sentence. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

/** Inline code; the fence is longer than any backtick run inside. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A two-column table whose second column is right-aligned (numbers). */
export function table(header: [string, string], rows: [string, string][]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${cell(header[0])} | ${cell(header[1])} |`,
    '|:--|--:|',
    ...rows.map(([a, b]) => `| ${cell(a)} | ${cell(b)} |`),
  ].join('\n');
}

export function bulletList(items: string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}
