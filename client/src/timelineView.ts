/**
 * "TrainLens: Show memory timeline": asks the server for a document's step timeline (`trainlens/timeline`) and shows
 * it in a webview beside the editor (timelineHtml.ts), one panel reused. The document is the active editor's, or the
 * URI the command is given (the hover's link, server/src/render/links.ts).
 */
import { randomBytes } from 'node:crypto';
import { commands, Uri, ViewColumn, window, workspace, type Disposable, type TextDocument, type WebviewPanel } from 'vscode';
import type { RequestType } from 'vscode-languageclient/node';
import { TimelineRequest, type TimelineParams, type TimelineResult } from '../../server/src/lsp/protocol';
import { SHOW_TIMELINE_COMMAND } from '../../server/src/render/links';
import { timelineHtml } from './timelineHtml';

type Send = (type: RequestType<TimelineParams, TimelineResult, void>, params: TimelineParams) => Promise<TimelineResult>;

export function registerTimelineCommand(send: Send): Disposable {
  let panel: WebviewPanel | undefined;
  return commands.registerCommand(SHOW_TIMELINE_COMMAND, async (target?: unknown) => {
    const uri = typeof target === 'string' ? Uri.parse(target, true) : target instanceof Uri ? target : undefined;
    let document: TextDocument | undefined;
    try {
      // opening a document the server has not seen sends it didOpen before the request
      document = uri ? await workspace.openTextDocument(uri) : window.activeTextEditor?.document;
    } catch (err) {
      void window.showErrorMessage(`TrainLens: cannot open ${String(target)}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!document) {
      void window.showInformationMessage('TrainLens: open a training script to see its memory timeline.');
      return;
    }
    let result: TimelineResult;
    try {
      result = await send(TimelineRequest, { uri: document.uri.toString() });
    } catch (err) {
      void window.showErrorMessage(`TrainLens: no memory timeline: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!panel) {
      panel = window.createWebviewPanel('trainlens.timeline', 'TrainLens: memory timeline', { viewColumn: ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      panel.onDidDispose(() => (panel = undefined));
    }
    panel.title = `Memory timeline: ${document.uri.path.split('/').pop()}`;
    panel.webview.html = timelineHtml(result, randomBytes(16).toString('base64'), panel.webview.cspSource);
    panel.reveal(ViewColumn.Beside, true);
  });
}
