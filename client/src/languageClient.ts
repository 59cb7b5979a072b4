/** How the extension starts dist/server.js and what it asks of it. */
import { MarkdownString, workspace, type ExtensionContext, type LogOutputChannel } from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { HOVER_COMMANDS } from '../../server/src/render/links';
import { SETTINGS_SECTION } from '../../server/src/lsp/settings';
import { crashMessage, RestartPolicy, type CrashDecision } from './restartPolicy';

/** Called when the server process exits unexpectedly, with what the client does about it. */
export type OnCrash = (decision: CrashDecision) => void;

export function createLanguageClient(context: ExtensionContext, output: LogOutputChannel, onCrash: OnCrash): LanguageClient {
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
      // launch scripts: the server reports what it cannot open in them (TL008) and re-reads the jobs they launch
      { scheme: 'file', language: 'shellscript' },
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
    errorHandler: errorHandler(output, onCrash),
    middleware: trustedHoverLinks,
  };
  // The id "trainlens" makes the client read the `trainlens.trace.server` setting.
  return new LanguageClient(SETTINGS_SECTION, 'TrainLens', serverOptions, clientOptions);
}

/**
 * vscode-languageclient's default handling (continue after up to 3 write errors; restart after an
 * exit, within RestartPolicy's limit; on restart it re-opens every open document), reported in the
 * TrainLens output and the status item rather than in a notification.
 */
function errorHandler(output: LogOutputChannel, onCrash: OnCrash): ErrorHandler {
  const policy = new RestartPolicy();
  return {
    error: (_error, _message, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
    closed: () => {
      const decision = policy.exited();
      const message = crashMessage(decision);
      onCrash(decision);
      if (decision.restart) {
        output.warn(message);
        return { action: CloseAction.Restart, handled: true };
      }
      return { action: CloseAction.DoNotRestart, message };
    },
  };
}

/**
 * The server's hovers link to TrainLens commands (server/src/render/links.ts); VS Code runs a
 * `command:` link only from a MarkdownString trusted for it, so trust exactly those commands.
 */
const trustedHoverLinks: Middleware = {
  async provideHover(document, position, token, next) {
    const hover = await next(document, position, token);
    for (const content of hover?.contents ?? []) {
      if (content instanceof MarkdownString) content.isTrusted = { enabledCommands: HOVER_COMMANDS };
    }
    return hover;
  },
};
