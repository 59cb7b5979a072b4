/**
 * A small LSP client for tests: speaks JSON-RPC to a TrainLens server (a child process or an
 * in-process one), answers `workspace/configuration` from a settings function, records every
 * diagnostics and status notification, and waits on them with a deadline (never a fixed sleep).
 */
import {
  CodeActionRequest,
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  type CodeAction,
  type CompletionItem,
  type CompletionList,
  type Command,
  type Diagnostic,
  type FileEvent,
  type Hover,
  type Registration,
  type MessageReader,
  type MessageWriter,
  type Position,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type RequestType,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { StatusNotification, type StatusParams } from '../../../server/src/lsp/protocol';

export class LspTestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly statuses: StatusParams[] = [];
  readonly configurationRequests: string[] = [];
  /** Messages the server logged (window/logMessage). */
  readonly logs: string[] = [];
  /** Capabilities the server registered dynamically (client/registerCapability). */
  readonly registrations: Registration[] = [];
  private readonly connection: ProtocolConnection;
  private readonly listeners = new Set<() => void>();

  constructor(reader: MessageReader, writer: MessageWriter, private settings: () => unknown) {
    this.connection = createProtocolConnection(reader, writer);
    this.connection.onRequest(ConfigurationRequest.type, ({ items }) => {
      this.configurationRequests.push(...items.map((item) => item.scopeUri ?? ''));
      return items.map(() => this.settings());
    });
    this.connection.onRequest(RegistrationRequest.type, ({ registrations }) => {
      this.registrations.push(...registrations);
      this.notify();
    });
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.push(params);
      this.notify();
    });
    this.connection.onNotification(LogMessageNotification.type, ({ message }) => {
      this.logs.push(message);
    });
    this.connection.onNotification(StatusNotification, (params) => {
      this.statuses.push(params);
      this.notify();
    });
    this.connection.listen();
  }

  /**
   * `folders`: workspace folder URIs the server may read (none by default); `initializationOptions` as a client
   * sends them; `watchesFiles`: the client can watch files for the server (didChangeWatchedFiles registration).
   */
  async initialize(processId: number | null, folders: string[] = [], initializationOptions?: unknown, watchesFiles = false): Promise<void> {
    await this.connection.sendRequest(InitializeRequest.type, {
      processId,
      initializationOptions,
      rootUri: null,
      workspaceFolders: folders.length ? folders.map((uri) => ({ uri, name: uri.split('/').pop() ?? uri })) : null,
      capabilities: {
        workspace: { configuration: true, workspaceEdit: { documentChanges: true }, didChangeWatchedFiles: { dynamicRegistration: watchesFiles } },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          publishDiagnostics: { versionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
  }

  open(uri: string, text: string, languageId = 'python'): Promise<void> {
    return this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text },
    });
  }

  /** Replaces the whole text (a change event without a range). */
  change(uri: string, version: number, text: string): Promise<void> {
    return this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** Replaces one range of the text (an incremental change event, as editors send while typing). */
  changeRange(uri: string, version: number, range: Range, text: string): Promise<void> {
    return this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ range, text }],
    });
  }

  /** The editor saved the document. */
  save(uri: string): Promise<void> {
    return this.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Files changed on disk, as a client's file watcher reports them. */
  filesChanged(changes: FileEvent[]): Promise<void> {
    return this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }

  /** The first registration of `method` the server made (already or to come). */
  waitForRegistration(method: string, timeoutMs = 10_000): Promise<Registration> {
    return this.waitFor(() => this.registrations.find((r) => r.method === method), () => `a registration of ${method}`, timeoutMs);
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Changes what `workspace/configuration` answers and tells the server. */
  changeSettings(settings: () => unknown): Promise<void> {
    this.settings = settings;
    return this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  completion(uri: string, position: Position): Promise<CompletionItem[] | CompletionList | null> {
    return this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<(CodeAction | Command)[] | null> {
    return this.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range,
      context: { diagnostics, only },
    });
  }

  /** The first diagnostics publication for `uri` (already received or to come) that satisfies `accept`. */
  waitForDiagnostics(
    uri: string,
    accept: (params: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<PublishDiagnosticsParams> {
    return this.waitFor(
      () => this.published.find((params) => params.uri === uri && accept(params)),
      () => `diagnostics for ${uri}; received: ${JSON.stringify(this.published.filter((p) => p.uri === uri), null, 1)}`,
      timeoutMs,
    );
  }

  waitForStatus(uri: string, accept: (params: StatusParams) => boolean = () => true, timeoutMs = 10_000): Promise<StatusParams> {
    return this.waitFor(
      () => this.statuses.find((params) => params.uri === uri && accept(params)),
      () => `status for ${uri}; received: ${JSON.stringify(this.statuses)}`,
      timeoutMs,
    );
  }

  /** Any request, e.g. TrainLens's own (`trainlens/plan`). */
  request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    return this.connection.sendRequest(type, params);
  }

  /** Asks the server to release its resources; it keeps running until exit(). */
  async shutdown(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
  }

  /** Ends the server process (an in-process server would end the test runner: don't). */
  async exit(): Promise<void> {
    await this.connection.sendNotification(ExitNotification.type);
  }

  dispose(): void {
    this.connection.dispose();
  }

  private waitFor<T>(find: () => T | undefined, describe: () => string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The position of `needle` in `text` (its first occurrence), plus `offset` characters. */
export function positionOf(text: string, needle: string, offset = 0): Position {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not found in the text`);
  const before = text.slice(0, index + offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

/** The text edits a code action makes to one document (from `documentChanges` or `changes`). */
export function editsOf(action: CodeAction | Command, uri: string): TextEdit[] {
  if (!('edit' in action) || !action.edit) return [];
  const { documentChanges, changes } = action.edit;
  if (documentChanges) {
    return documentChanges.flatMap((change) =>
      'textDocument' in change && change.textDocument.uri === uri
        ? change.edits.filter((edit): edit is TextEdit => !('annotationId' in edit))
        : [],
    );
  }
  return changes?.[uri] ?? [];
}

/** The Markdown of a hover, whichever content shape the server chose. */
export function hoverMarkdown(hover: Hover | null): string {
  if (!hover) return '';
  const { contents } = hover;
  if (typeof contents === 'string') return contents;
  if (Array.isArray(contents)) return contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
  return contents.value;
}
