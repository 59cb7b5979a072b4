/** How the extension starts dist/server.js and what it asks of it. */
import { workspace, type ExtensionContext, type LogOutputChannel } from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SETTINGS_SECTION } from '../../server/src/lsp/settings';

export function createLanguageClient(context: ExtensionContext, output: LogOutputChannel): LanguageClient {
  const serverOptions: ServerOptions = {
    module: context.asAbsolutePath('dist/server.js'),
    transport: TransportKind.ipc,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      { scheme: 'file', language: 'json' },
      { scheme: 'file', language: 'yaml' },
    ],
    // Pushes `trainlens.*` changes (didChangeConfiguration); the server then pulls per document.
    synchronize: { configurationSection: SETTINGS_SECTION },
    // Restricted mode: the server then reads no file but the open ones (the client restarts it when trust is granted).
    initializationOptions: { workspaceTrusted: workspace.isTrusted },
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationFailedHandler: (error) => {
      output.error(`The TrainLens server failed to initialize: ${error instanceof Error ? error.stack : String(error)}`);
      return false;
    },
  };
  // The id "trainlens" makes the client read the `trainlens.trace.server` setting.
  return new LanguageClient(SETTINGS_SECTION, 'TrainLens', serverOptions, clientOptions);
}
