/**
 * Config documents as they are while being typed: prefixes (every 7th cut) and two hundred
 * seeded random edits of the fixture configs (JSON and accelerate YAML) are analysed, hovered and
 * completed at random positions; nothing may throw, and every range must lie inside the text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, type Analyzer } from '../../server/src/analysis/analyzer';
import type { Range } from '../../server/src/analysis/types';
import { positionAt } from '../../server/src/deepspeed/edits';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

const ROOT = join(__dirname, '..', 'fixtures', 'configs');
const FIXTURES = [
  ...readdirSync(ROOT).filter((f) => f.endsWith('.json')),
  ...readdirSync(join(ROOT, 'accelerate')).filter((f) => f.endsWith('.yaml')).map((f) => `accelerate/${f}`),
  'workspace/ds_hf.json',
];
const SNIPPETS = ['{', '}', '[', ']', ',', ':', '"', '"auto"', '//', '/*', '\n', '  ', 'true', '-1e999', '\u0000', '😀', '- ', '&a', '*a', '!!str '];

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer();
});

/** Mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inside(range: Range, text: string): boolean {
  const end = positionAt(text, text.length);
  const ok = (p: Range['start']) => p.line >= 0 && p.character >= 0 && (p.line < end.line || (p.line === end.line && p.character <= end.character));
  return ok(range.start) && ok(range.end);
}

function exercise(name: string, text: string, next: () => number): void {
  const uri = pathToFileURL(join(ROOT, name)).href;
  const files = createWorkspaceFiles([ROOT]);
  const analysis = analyzer.analyze({ uri, text, version: 1 }, { gpu: 'V100-32GB', gpus: 1 }, files);
  for (const f of analysis.findings) expect(inside(f.range, text), `${f.code} ${JSON.stringify(f.range)}`).toBe(true);
  for (const fix of [...analysis.fixes, ...(analysis.editFixes ?? [])]) for (const e of fix.edits) expect(inside(e.range, text)).toBe(true);
  for (let i = 0; i < 5; i++) {
    const position = positionAt(text, Math.floor(next() * (text.length + 1)));
    analysis.config?.hover(position);
    for (const c of analysis.config?.complete(position) ?? []) expect(inside(c.range, text)).toBe(true);
  }
}

describe('config documents being typed', () => {
  it('every prefix of every fixture', () => {
    const next = random(1);
    for (const name of FIXTURES) {
      const text = readFileSync(join(ROOT, name), 'utf8');
      for (let cut = 0; cut <= text.length; cut += 7) exercise(name, text.slice(0, cut), next);
    }
  });

  it('seeded random insertions and deletions', () => {
    const next = random(42);
    for (let round = 0; round < 200; round++) {
      const name = FIXTURES[Math.floor(next() * FIXTURES.length)];
      let text = readFileSync(join(ROOT, name), 'utf8');
      for (let edits = 1 + Math.floor(next() * 4); edits > 0; edits--) {
        const at = Math.floor(next() * (text.length + 1));
        text = next() < 0.5
          ? text.slice(0, at) + SNIPPETS[Math.floor(next() * SNIPPETS.length)] + text.slice(at)
          : text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 8));
      }
      exercise(name, text, next);
    }
  });
});
