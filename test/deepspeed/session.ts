/**
 * A session with the bundled server (dist/server.js --stdio) whose workspace folder is
 * test/fixtures/configs: open or re-send a fixture, wait for the diagnostics of that version, read
 * what each diagnostic covers, ask for and apply quick fixes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { StreamMessageReader, StreamMessageWriter, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { expect } from 'vitest';
import { builtBundle, ROOT } from '../lsp/helpers/build';
import { editsOf, LspTestClient } from '../lsp/helpers/lspClient';

export const CONFIGS = join(ROOT, 'test', 'fixtures', 'configs');

export class ConfigSession {
  readonly client: LspTestClient;
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private readonly versions = new Map<string, number>();

  constructor(settings = { gpu: 'V100-32GB', gpuCount: 1 }) {
    this.child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: ROOT });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.client = new LspTestClient(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin), () => settings);
  }

  start(): Promise<void> {
    return this.client.initialize(process.pid, [pathToFileURL(CONFIGS).href]);
  }

  /** Shuts the server down; it must exit cleanly and write nothing to stderr. */
  async stop(): Promise<void> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    await this.client.shutdown();
    await this.client.exit();
    expect(await exited).toBe(0);
    this.client.dispose();
    expect(this.stderr).toBe('');
  }

  uriOf = (name: string): string => pathToFileURL(join(CONFIGS, name)).href;
  textOf = (name: string): string => readFileSync(join(CONFIGS, name), 'utf8');

  /** Opens a fixture (or replaces its text) and returns the diagnostics published for that version. */
  async diagnose(name: string, text = this.textOf(name)): Promise<Diagnostic[]> {
    const uri = this.uriOf(name);
    const v = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, v);
    const languageId = name.endsWith('.json') ? 'json' : 'yaml';
    if (v === 1) await this.client.open(uri, text, languageId);
    else await this.client.change(uri, v, text);
    return (await this.client.waitForDiagnostics(uri, (p) => p.version === v)).diagnostics;
  }

  async actionsFor(name: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
    return ((await this.client.codeActions(this.uriOf(name), diagnostic.range, [diagnostic])) ?? []) as CodeAction[];
  }

  apply(text: string, action: CodeAction, name: string): string {
    return TextDocument.applyEdits(TextDocument.create('x', 'json', 1, text), editsOf(action, this.uriOf(name)));
  }
}

/** The diagnostics with `code`, and the text each one covers. */
export function withCode(diagnostics: Diagnostic[], code: string, text: string): { d: Diagnostic; covers: string }[] {
  const doc = TextDocument.create('x', 'json', 1, text);
  return diagnostics.filter((d) => d.code === code).map((d) => ({ d, covers: doc.getText(d.range) }));
}
