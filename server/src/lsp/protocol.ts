/**
 * TrainLens's own messages on top of LSP, declared once for the server and the client.
 */
import { NotificationType } from 'vscode-languageserver-protocol';

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
}

/** Server → client, after each analysis of a document. */
export const StatusNotification = new NotificationType<StatusParams>('trainlens/status');
