/**
 * Hovers: the memory breakdown wherever the analysis placed an anchor, and on the text that set
 * a job value in this file (`MODEL_ID = "meta-llama/Llama-2-7b-hf"`, `BATCH = 4`), with that
 * value's provenance, and a link from the simulations' lines to the document's memory timeline.
 * In a shell script: on the config of a `tune run` line that TrainLens cannot read (TL008).
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Analysis, HoverAnchor, JobField, Range } from '../analysis/types';
import { breakdownMarkdown } from '../render/breakdown';
import { commandLink, SHOW_TIMELINE_COMMAND } from '../render/links';
import { tuneLaunchMarkdown } from '../render/tune-launch';
import type { UnreadableTuneRun } from '../analysis/torchtune-launch';

export function hoverAt(analysis: Analysis, position: Position): Hover | null {
  // a shell script has no job: its only hovers are on the configs of its `tune run` lines that TrainLens cannot read
  if (analysis.unreadableTuneRuns) return tuneLaunchHover(analysis.unreadableTuneRuns, position);
  const anchor = innermostAnchor(hoverAnchors(analysis), position);
  if (!anchor) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: breakdownMarkdown(analysis, anchor, timelineLink(analysis)) },
    range: anchor.range,
  };
}

function tuneLaunchHover(launches: UnreadableTuneRun[], position: Position): Hover | null {
  const launch = launches.find((l) => contains(l.range, position));
  return launch ? { contents: { kind: MarkupKind.Markdown, value: tuneLaunchMarkdown(launch) }, range: launch.range } : null;
}

/** The link to the timeline webview of this document (analysis.file is its URI), when there is a step to replay. */
function timelineLink(analysis: Analysis): string | undefined {
  if (!analysis.estimate?.timeline) return undefined;
  return commandLink('Show the memory timeline', SHOW_TIMELINE_COMMAND, [analysis.file]);
}

/** The analysis's anchors first, then the sources of its values in this file. */
function hoverAnchors(analysis: Analysis): HoverAnchor[] {
  const valueSources = (Object.keys(analysis.values) as JobField[]).flatMap((field): HoverAnchor[] => {
    const source = analysis.values[field]?.source;
    if (!source || source.file !== analysis.file) return [];
    return [{ range: source.range, kind: field === 'model' ? 'model' : 'argument', field }];
  });
  return [...analysis.anchors, ...valueSources];
}

/** The smallest anchor containing the position (an argument inside a TrainingArguments call); on a tie, the first. */
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
