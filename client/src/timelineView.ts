/**
 * "TrainLens: Show memory timeline": asks the server for the active document's step timeline
 * (`trainlens/timeline`) and shows it in a webview beside the editor (timelineHtml.ts), one panel reused.
 */
import { randomBytes } from 'node:crypto';
import { commands, ViewColumn, window, type Disposable, type WebviewPanel } from 'vscode';
import type { RequestType } from 'vscode-languageclient/node';
import { TimelineRequest, type TimelineParams, type TimelineResult } from '../../server/src/lsp/protocol';
import { timelineHtml } from './timelineHtml';

export const SHOW_TIMELINE = 'trainlens.showTimeline';

type Send = (type: RequestType<TimelineParams, TimelineResult, void>, params: TimelineParams) => Promise<TimelineResult>;

export function registerTimelineCommand(send: Send): Disposable {
  let panel: WebviewPanel | undefined;
  return commands.registerCommand(SHOW_TIMELINE, async () => {
    const editor = window.activeTextEditor;
    if (!editor) {
      void window.showInformationMessage('TrainLens: open a training script to see its memory timeline.');
      return;
    }
    let result: TimelineResult;
    try {
      result = await send(TimelineRequest, { uri: editor.document.uri.toString() });
    } catch (err) {
      void window.showErrorMessage(`TrainLens: no memory timeline: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!panel) {
      panel = window.createWebviewPanel('trainlens.timeline', 'TrainLens: memory timeline', { viewColumn: ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      panel.onDidDispose(() => (panel = undefined));
    }
    panel.title = `Memory timeline: ${editor.document.uri.path.split('/').pop()}`;
    panel.webview.html = timelineHtml(result, randomBytes(16).toString('base64'), panel.webview.cspSource);
    panel.reveal(ViewColumn.Beside, true);
  });
}
