/**
 * TrainLens's own messages on top of LSP, declared once for the server and the client.
 */
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';
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

/** Every training script and DeepSpeed config in the workspace folders, with its GPU fit. */
export interface WorkspaceSummaryResult {
  files: FileSummary[];
  /** Files skipped and limits reached, one sentence each. */
  problems: string[];
}

/** Client → server, for the workspace view. */
export const WorkspaceSummaryRequest = new RequestType0<WorkspaceSummaryResult, void>('trainlens/workspaceSummary');
