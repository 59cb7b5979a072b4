/**
 * Entry point of dist/server.js. The transport comes from the command line: `--node-ipc` (how the
 * VS Code client starts it), `--stdio` (other editors, tests), `--socket=N` or `--pipe=NAME`.
 */
import { createConnection } from 'vscode-languageserver/node';
import { startServer } from './lsp/server';

startServer(createConnection());
