// Starts and stops code-server (a real VS Code workbench served to a browser) for the e2e test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CODE_SERVER_ENTRY } from './env';

export interface CodeServerDirs {
  /** --user-data-dir; settings go to User/settings.json */
  userData: string;
  /** --extensions-dir */
  extensions: string;
  /** XDG_CONFIG_HOME/XDG_DATA_HOME, so code-server writes nothing under ~ */
  home: string;
}

export function makeDirs(root: string, settings: Record<string, unknown>): CodeServerDirs {
  const dirs = {
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    home: path.join(root, 'xdg'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User/settings.json'), JSON.stringify(settings, null, 2));
  return dirs;
}

function env(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(dirs.home, 'config'),
    XDG_DATA_HOME: path.join(dirs.home, 'data'),
    // a vitest worker's NODE_OPTIONS (loaders) must not leak into code-server's node
    NODE_OPTIONS: '',
  };
}

function dirArgs(dirs: CodeServerDirs): string[] {
  return ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

export function installExtension(dirs: CodeServerDirs, vsix: string): string {
  const r = spawnSync(process.execPath, [CODE_SERVER_ENTRY, ...dirArgs(dirs), '--install-extension', vsix], {
    env: env(dirs),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (${r.status ?? r.signal}):\n${out}`);
  }
  return out;
}

export interface RunningCodeServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts code-server on a free port (--bind-addr 127.0.0.1:0) and resolves once it listens. */
export async function startCodeServer(
  dirs: CodeServerDirs,
  workspace: string,
  logFile: string,
  timeoutMs = 60_000,
): Promise<RunningCodeServer> {
  const log = fs.createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [
      CODE_SERVER_ENTRY,
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ...dirArgs(dirs),
      workspace,
    ],
    // its own process group, so stop() also ends the extension host and the language server
    { env: env(dirs), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => stopGroup(child);
  process.once('exit', () => killGroup(child, 'SIGKILL'));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      output += chunk.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited early (${code ?? signal}):\n${output}`));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  child.once('exit', () => log.end());
  return { url, process: child, stop };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null;
  const done = exited ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
  // children (extension host, language server) that ignored SIGTERM
  killGroup(child, 'SIGKILL');
}
