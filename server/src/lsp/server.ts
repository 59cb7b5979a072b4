/**
 * Starts the TrainLens language server on a connection, whatever its transport: main.ts (IPC or
 * stdio) and the CLI's `trainlens lsp --stdio` both call startServer.
 */
import type { Connection } from 'vscode-languageserver';
import { createAnalyzer } from '../analysis/analyzer';
import { logUncaughtErrors, routeConsoleToConnection } from './processSafety';
import { TrainLensServer } from './trainlensServer';

/** Registers the server on a connection that is not listening yet (bundled grammars), then listens. */
export function startServer(connection: Connection): void {
  routeConsoleToConnection(connection);
  logUncaughtErrors(connection);
  new TrainLensServer(connection, createAnalyzer()).register();
  connection.listen();
}
