/**
 * A status-bar item with the active file's estimated memory per GPU against the GPU's capacity,
 * or, while the server restarts after exiting unexpectedly (or has stopped for good), that.
 */
import { StatusBarAlignment, ThemeColor, window, workspace, type Disposable } from 'vscode';
import type { StatusParams } from '../../server/src/lsp/protocol';
import { gibNumber } from '../../server/src/render/units';
import { crashMessage, type CrashDecision } from './restartPolicy';

/** "TrainLens: 93.4 / 80.0 GiB ✗" */
export function statusText(total: number, capacity: number, fits: boolean): string {
  return `TrainLens: ${gibNumber(total)} / ${gibNumber(capacity)} GiB ${fits ? '✓' : '✗'}`;
}

export class MemoryStatusBar implements Disposable {
  private readonly item = window.createStatusBarItem('trainlens.memory', StatusBarAlignment.Right, 100);
  private readonly byUri = new Map<string, StatusParams>();
  private readonly subscriptions: Disposable[];
  /** The last unexpected exit of the server; `restart` false: it stays stopped. */
  private exit: (CrashDecision & { running: boolean }) | undefined;

  constructor() {
    this.item.name = 'TrainLens memory estimate';
    this.item.command = 'workbench.actions.view.problems';
    this.subscriptions = [
      this.item,
      window.onDidChangeActiveTextEditor(() => this.render()),
      workspace.onDidCloseTextDocument((document) => {
        this.byUri.delete(document.uri.toString());
        this.render();
      }),
    ];
  }

  update(status: StatusParams): void {
    this.byUri.set(status.uri, status);
    this.render();
  }

  /** Forgets every file's estimate (the server stopped on request). */
  clear(): void {
    this.byUri.clear();
    this.exit = undefined;
    this.render();
  }

  /** The server exited on its own: its estimates are gone; say whether it is being restarted. */
  serverExited(decision: CrashDecision): void {
    this.byUri.clear();
    this.exit = { ...decision, running: false };
    this.render();
  }

  /** The server (re)started: estimates follow; the tooltip still mentions an earlier exit. */
  serverRunning(): void {
    if (this.exit?.restart) this.exit.running = true;
    this.render();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private render(): void {
    this.item.command = 'workbench.actions.view.problems';
    if (this.exit && !this.exit.running) {
      this.item.text = this.exit.restart ? '$(sync~spin) TrainLens: restarting the server' : '$(error) TrainLens: server stopped';
      this.item.tooltip = crashMessage(this.exit);
      this.item.backgroundColor = new ThemeColor(this.exit.restart ? 'statusBarItem.warningBackground' : 'statusBarItem.errorBackground');
      if (!this.exit.restart) this.item.command = 'trainlens.restartServer';
      this.item.show();
      return;
    }
    const uri = window.activeTextEditor?.document.uri.toString();
    const status = uri === undefined ? undefined : this.byUri.get(uri);
    if (status?.message) {
      // No estimate, and a reason the user must see: the parser did not load, the file was skipped.
      this.item.text = '$(warning) TrainLens';
      this.item.tooltip = status.message;
      this.item.backgroundColor = new ThemeColor('statusBarItem.warningBackground');
      this.item.show();
      return;
    }
    if (!status || status.total_bytes === null || status.capacity_bytes === null || status.fits === null) {
      this.item.hide();
      return;
    }
    this.item.text = statusText(status.total_bytes, status.capacity_bytes, status.fits);
    this.item.tooltip =
      `Estimated peak memory per GPU for this file on ${status.gpu} ` +
      `(${status.fits ? 'fits' : 'does not fit'}). Hover the model or TrainingArguments for the breakdown.` +
      (this.exit ? `\n\n${crashMessage(this.exit, true)}` : '');
    this.item.backgroundColor = status.fits ? undefined : new ThemeColor('statusBarItem.errorBackground');
    this.item.show();
  }
}
