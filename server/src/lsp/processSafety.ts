/**
 * Keeps a language-server process alive and its stdout clean: console output goes to the client's
 * log (a stray console.log on a stdio server would corrupt JSON-RPC), and errors nobody caught are
 * logged instead of ending the process.
 */
import { format } from 'node:util';
import type { Connection } from 'vscode-languageserver';

export function routeConsoleToConnection(connection: Connection): void {
  const remote = connection.console;
  console.log = (...args: unknown[]) => remote.log(format(...args));
  console.info = (...args: unknown[]) => remote.info(format(...args));
  console.debug = (...args: unknown[]) => remote.log(format(...args));
  console.warn = (...args: unknown[]) => remote.warn(format(...args));
  console.error = (...args: unknown[]) => remote.error(format(...args));
}

export function logUncaughtErrors(connection: Connection): void {
  const report = (what: string) => (err: unknown) =>
    connection.console.error(`TrainLens: ${what}: ${err instanceof Error ? err.stack : String(err)}`);
  process.on('uncaughtException', report('uncaught exception'));
  process.on('unhandledRejection', report('unhandled promise rejection'));
}
