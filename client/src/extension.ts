/** VS Code entry point: the TrainLens output channel, status bar, language client, workspace view and commands. */
import { commands, window, workspace, type ExtensionContext } from 'vscode';
import { WorkspaceSummaryRequest } from '../../server/src/lsp/protocol';
import { registerFirstRunCommands } from './firstRun';
import { registerFitCommand } from './fitJob';
import { ServerController } from './serverController';
import { MemoryStatusBar } from './statusBar';
import { registerTimelineCommand } from './timelineView';
import { WorkspaceView } from './workspaceView';

let controller: ServerController | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const output = window.createOutputChannel('TrainLens', { log: true });
  const statusBar = new MemoryStatusBar();
  const server = new ServerController(context, output, statusBar);
  controller = server;
  const view = new WorkspaceView(() => server.request(WorkspaceSummaryRequest));
  context.subscriptions.push(
    output,
    statusBar,
    view,
    ...registerFirstRunCommands(context),
    registerTimelineCommand((type, params) => server.requestWith(type, params)),
    registerFitCommand(server),
    commands.registerCommand('trainlens.restartServer', async () => {
      await server.restart();
      view.refresh();
    }),
    // Started restricted in an untrusted workspace: granting trust lets it read the workspace's configs.
    workspace.onDidGrantWorkspaceTrust(async () => {
      await server.restart();
      view.refresh();
    }),
  );
  await server.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
