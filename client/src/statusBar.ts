/** A status-bar item with the active file's estimated memory per GPU against the GPU's capacity. */
import { StatusBarAlignment, ThemeColor, window, workspace, type Disposable } from 'vscode';
import type { StatusParams } from '../../server/src/lsp/protocol';
import { gibNumber } from '../../server/src/render/units';

/** "TrainLens: 93.4 / 80.0 GiB ✗" */
export function statusText(total: number, capacity: number, fits: boolean): string {
  return `TrainLens: ${gibNumber(total)} / ${gibNumber(capacity)} GiB ${fits ? '✓' : '✗'}`;
}

export class MemoryStatusBar implements Disposable {
  private readonly item = window.createStatusBarItem('trainlens.memory', StatusBarAlignment.Right, 100);
  private readonly byUri = new Map<string, StatusParams>();
  private readonly subscriptions: Disposable[];

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

  /** Forgets every file's estimate (the server stopped). */
  clear(): void {
    this.byUri.clear();
    this.render();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private render(): void {
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
      `(${status.fits ? 'fits' : 'does not fit'}). Hover the model or TrainingArguments for the breakdown.`;
    this.item.backgroundColor = status.fits ? undefined : new ThemeColor('statusBarItem.errorBackground');
    this.item.show();
  }
}
