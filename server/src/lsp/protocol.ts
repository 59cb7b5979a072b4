/**
 * TrainLens's own messages on top of LSP, declared once for the server and the client.
 */
import { NotificationType, RequestType, RequestType0, type WorkspaceEdit } from 'vscode-languageserver-protocol';
import type { MemoryBreakdown, StepTimeline } from '../../../estimator/src/types';
import type { FileSummary } from '../workspace/summary';

/** The per-GPU memory estimate of one document, for the editor's status bar. */
export interface StatusParams {
  uri: string;
  /** Catalog id of the GPU the estimate is for. */
  gpu: string;
  /** null when the document could not be analysed. */
  capacity_bytes: number | null;
  /** null when the document is not a training job TrainLens can estimate. */
  total_bytes: number | null;
  fits: boolean | null;
  /** Why there is no estimate when the file could not be analysed (parser failed to load, file skipped). */
  message?: string;
}

/** Server → client, after each analysis of a document. */
export const StatusNotification = new NotificationType<StatusParams>('trainlens/status');

/** Every training script and config in the workspace folders, with its GPU fit. */
export interface WorkspaceSummaryResult {
  files: FileSummary[];
  /** Files skipped and limits reached, one sentence each. */
  problems: string[];
}

/** Client → server, for the workspace view. */
export const WorkspaceSummaryRequest = new RequestType0<WorkspaceSummaryResult, void>('trainlens/workspaceSummary');

/** Client → server: "TrainLens: Fit this job to…": plans for a document on a GPU type and count (default: the document's settings). */
export interface PlanParams {
  uri: string;
  gpu?: string;
  gpus?: number;
  /** Plans to return (default 3, at most 10). */
  limit?: number;
}

/** One plan as the `plan --json` contract writes it, with the edit that applies it. */
export interface PlanItem {
  title: string;
  changes: { id: string; label: string }[];
  per_gpu_total_bytes: number;
  fits: boolean;
  step_time_s: number;
  /** null when the client cannot apply it (a new file needs document changes). */
  edit: WorkspaceEdit | null;
}

export interface PlanResponse {
  gpu: string;
  gpus: number;
  /** The job's per-GPU total before any change; null when the document has no job. */
  before_bytes: number | null;
  capacity_bytes: number;
  plans: PlanItem[];
  /** Why there are no plans (no job, nothing TrainLens can write fits). */
  message?: string;
}

export const PlanRequest = new RequestType<PlanParams, PlanResponse, void>('trainlens/plan');

/** Client → server, for "TrainLens: Show memory timeline": the step timeline of an open document. */
export interface TimelineParams {
  uri: string;
}

/** A quick fix with the job's timeline after it (null when the fix also edits other files). */
export interface TimelineFix {
  id: string;
  title: string;
  total_after_bytes: number;
  fits_after: boolean;
  timeline: StepTimeline | null;
}

export interface TimelineResult {
  uri: string;
  gpu: string;
  gpus: number;
  capacity_bytes: number;
  model: string | null;
  /** null when the document has no training job to replay (then `message` says why). */
  timeline: StepTimeline | null;
  breakdown: MemoryBreakdown | null;
  fixes: TimelineFix[];
  message?: string;
}

export const TimelineRequest = new RequestType<TimelineParams, TimelineResult, void>('trainlens/timeline');
