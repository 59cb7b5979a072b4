/**
 * The bundled server over stdio with one workspace folder, as the workspace view's tests drive it:
 * started with the GPU the configuration request answers, stopped with a clean exit and nothing on
 * stderr.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest, createProtocolConnection, ExitNotification, InitializedNotification, InitializeRequest,
  ShutdownRequest, StreamMessageReader, StreamMessageWriter, type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { expect } from 'vitest';
import { builtBundle, ROOT } from '../lsp/helpers/build';

export interface WorkspaceServer {
  connection: ProtocolConnection;
  /** Shuts the server down and checks that it exited with 0 and wrote nothing to stderr. */
  stop(): Promise<void>;
}

export async function startWorkspaceServer(root: string, folderName: string, gpu: string): Promise<WorkspaceServer> {
  let stderr = '';
  const child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: ROOT });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onRequest(ConfigurationRequest.type, ({ items }) => items.map(() => ({ gpu, gpuCount: 1 })));
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: [{ uri: pathToFileURL(root).href, name: folderName }],
    capabilities: { workspace: { configuration: true } },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    connection,
    async stop() {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await connection.sendRequest(ShutdownRequest.type);
      await connection.sendNotification(ExitNotification.type);
      expect(await exited).toBe(0);
      connection.dispose();
      expect(stderr).toBe('');
    },
  };
}
