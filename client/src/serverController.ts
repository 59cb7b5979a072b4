/**
 * Owns the language client: starts it, restarts it on request (serialised: one restart runs and
 * at most one more waits), and reports a failed start in the TrainLens output instead of looping.
 * A server that exits on its own is restarted by the client (languageClient.ts); the status item
 * shows that until the new server is running.
 */
import { window, type ExtensionContext, type LogOutputChannel } from 'vscode';
import type { WorkspaceEdit as CodeWorkspaceEdit } from 'vscode';
import { State, type LanguageClient, type RequestType, type RequestType0, type WorkspaceEdit as LspWorkspaceEdit } from 'vscode-languageclient/node';
import { StatusNotification } from '../../server/src/lsp/protocol';
import { createLanguageClient } from './languageClient';
import type { MemoryStatusBar } from './statusBar';

export class ServerController {
  private client: LanguageClient | undefined;
  /** The start or restart most recently begun; later ones wait for it. */
  private lifecycle: Promise<void> = Promise.resolve();
  private queuedRestart: Promise<void> | undefined;

  constructor(
    private readonly context: ExtensionContext,
    private readonly output: LogOutputChannel,
    private readonly statusBar: MemoryStatusBar,
  ) {}

  start(): Promise<void> {
    this.lifecycle = this.lifecycle.then(() => this.startClient());
    return this.lifecycle;
  }

  restart(): Promise<void> {
    if (!this.queuedRestart) {
      const restart = this.lifecycle.then(async () => {
        this.queuedRestart = undefined;
        this.output.info('Restarting the TrainLens server');
        await this.stopClient();
        await this.startClient();
      });
      this.queuedRestart = restart;
      this.lifecycle = restart;
    }
    return this.queuedRestart;
  }

  /** Sends a request to the server once a start or restart in progress has finished. */
  async request<R>(type: RequestType0<R, void>): Promise<R> {
    await this.lifecycle;
    if (!this.client?.isRunning()) throw new Error('the TrainLens server is not running (see the TrainLens output)');
    return this.client.sendRequest(type);
  }

  /** An LSP workspace edit (from a server response) as VS Code's. */
  async toCodeEdit(edit: LspWorkspaceEdit): Promise<CodeWorkspaceEdit> {
    if (!this.client) throw new Error('the TrainLens server is not running (see the TrainLens output)');
    return this.client.protocol2CodeConverter.asWorkspaceEdit(edit);
  }

  /** The same for a request with parameters. */
  async requestWith<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    await this.lifecycle;
    if (!this.client?.isRunning()) throw new Error('the TrainLens server is not running (see the TrainLens output)');
    return this.client.sendRequest(type, params);
  }

  stop(): Promise<void> {
    this.lifecycle = this.lifecycle.then(() => this.stopClient());
    return this.lifecycle;
  }

  /** Never rejects: a failed start is logged and shown once. */
  private async startClient(): Promise<void> {
    const client = createLanguageClient(this.context, this.output, (decision) => this.statusBar.serverExited(decision));
    client.onNotification(StatusNotification, (status) => this.statusBar.update(status));
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) this.statusBar.serverRunning();
    });
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.output.error(`The TrainLens server did not start: ${err instanceof Error ? err.stack : String(err)}`);
      void window
        .showErrorMessage('TrainLens: the language server did not start.', 'Show Output')
        .then((choice) => choice && this.output.show());
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.statusBar.clear();
    if (!client) return;
    try {
      await client.stop();
    } catch (err) {
      this.output.warn(`Stopping the TrainLens server: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
