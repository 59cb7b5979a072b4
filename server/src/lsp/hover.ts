/** Hovers: the memory breakdown wherever the analysis placed an anchor. */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Analysis, HoverAnchor, Range } from '../analysis/types';
import { breakdownMarkdown } from '../render/breakdown';

export function hoverAt(analysis: Analysis, position: Position): Hover | null {
  const anchor = innermostAnchor(analysis.anchors, position);
  if (!anchor) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: breakdownMarkdown(analysis, anchor) },
    range: anchor.range,
  };
}

/** The smallest anchor containing the position (an argument inside a TrainingArguments call). */
function innermostAnchor(anchors: HoverAnchor[], position: Position): HoverAnchor | undefined {
  return anchors
    .filter((anchor) => contains(anchor.range, position))
    .sort((a, b) => compare(b.range.start, a.range.start) || compare(a.range.end, b.range.end))[0];
}

function contains(range: Range, position: Position): boolean {
  return compare(range.start, position) <= 0 && compare(position, range.end) <= 0;
}

function compare(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}
