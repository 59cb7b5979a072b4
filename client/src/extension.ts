/** VS Code entry point: the TrainLens output channel, status bar, language client and commands. */
import { commands, window, type ExtensionContext } from 'vscode';
import { ServerController } from './serverController';
import { MemoryStatusBar } from './statusBar';

let controller: ServerController | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const output = window.createOutputChannel('TrainLens', { log: true });
  const statusBar = new MemoryStatusBar();
  controller = new ServerController(context, output, statusBar);
  context.subscriptions.push(
    output,
    statusBar,
    commands.registerCommand('trainlens.restartServer', () => controller?.restart()),
  );
  await controller.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
