/**
 * `trainlens/timeline`: the step memory timeline of an open training script (estimator/src/sim/timeline.ts) with its
 * breakdown, and the same for the job after each of its quick fixes, for the "TrainLens: Show memory timeline"
 * webview. A fix's timeline comes from analysing the document with the fix's edits applied (fixes that also edit
 * other files are shown by their totals only).
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../analysis/types';
import type { TimelineFix, TimelineResult } from './protocol';

/** Quick fixes shown before/after; more would only crowd the selector. */
const MAX_FIXES = 6;

export function timelineResponse(
  uri: string,
  analysis: Analysis | undefined,
  text: string | undefined,
  reanalyse: (text: string) => Analysis | undefined,
): TimelineResult {
  if (!analysis || text === undefined) return empty(uri, 'The document is not open, or it could not be analysed.');
  const { job, estimate, gpu } = analysis;
  const base = { uri, gpu: gpu.id, gpus: job?.gpus ?? 1, capacity_bytes: gpu.memory_bytes };
  if (!job || !estimate?.timeline) {
    return { ...base, model: job?.model.id ?? null, timeline: null, breakdown: null, fixes: [], message: 'TrainLens has no training step to replay in this file.' };
  }
  const fixes: TimelineFix[] = analysis.fixes.slice(0, MAX_FIXES).map((fix) => {
    const inDocumentOnly = fix.edits.length > 0 && !fix.otherEdits?.length && !fix.creates?.length;
    let after: Analysis | undefined;
    if (inDocumentOnly) {
      const edited = TextDocument.applyEdits(TextDocument.create(uri, 'python', 0, text), fix.edits);
      try {
        after = reanalyse(edited);
      } catch {
        // a fix whose text cannot be analysed keeps its total and has no timeline
      }
    }
    return { id: fix.id, title: fix.title, total_after_bytes: fix.total_after_bytes, fits_after: fix.fits_after, timeline: after?.estimate?.timeline ?? null };
  });
  return { ...base, model: job.model.id, timeline: estimate.timeline, breakdown: estimate.per_gpu, fixes };
}

function empty(uri: string, message: string): TimelineResult {
  return { uri, gpu: '', gpus: 1, capacity_bytes: 0, model: null, timeline: null, breakdown: null, fixes: [], message };
}
