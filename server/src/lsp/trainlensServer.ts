/**
 * The TrainLens language server's features, registered on a connection: document sync, settings,
 * debounced diagnostics, hovers, quick fixes. It depends on an Analyzer, not on how one is made,
 * so tests can drive it with their own.
 */
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type ServerCapabilities,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { WorkspaceFiles } from '../workspace/files';
import type { Analyzer } from '../analysis/analyzer';
import { AnalysisStore, type DocumentAnalyzer } from './analyses';
import { quickFixes } from './codeActions';
import { configCompletions, configHover, withWorkspaceFiles, workspaceFilesOf } from './configFeatures';
import { DocumentSettings } from './documentSettings';
import { hoverAt } from './hover';
import { MemoryRequest, memoryUsage } from './memory';
import { PlanRequest, TimelineRequest, WorkspaceSummaryRequest } from './protocol';
import { planResponse } from './plans';
import { SETTINGS_SECTION, toAnalysisSettings } from './settings';
import { codeLenses, inlayHints } from './lenses';
import { timelineResponse } from './timeline';
import { Validation } from './validation';
import { workspaceSummary } from './workspaceSummary';

/** Files an analysis may read besides the document: configs, launchers, model configs and Python modules. */
const DEPENDENCY_EXTENSIONS = ['json', 'yaml', 'yml', 'sh', 'bash', 'py'];

function isDependency(uri: string): boolean {
  const extension = /\.([A-Za-z]+)$/.exec(uri)?.[1]?.toLowerCase();
  return !!extension && DEPENDENCY_EXTENSIONS.includes(extension);
}

export class TrainLensServer {
  private readonly documents = new TextDocuments(TextDocument);
  private clientCapabilities: ClientCapabilities = {};
  private readonly settings: DocumentSettings;
  private readonly store: AnalysisStore;
  private readonly validation: Validation;

  /** The workspace folders' URIs, from initialize (for the workspace summary). */
  private folders: string[] = [];
  /** What analyses may read: the workspace folders (and the HF cache). */
  private files: WorkspaceFiles | undefined;
  /** The client sends workspace/didChangeWatchedFiles for the files analyses read (else saves stand in). */
  private watching = false;

  constructor(private readonly connection: Connection, private readonly analyzer: Promise<DocumentAnalyzer>) {
    analyzer.catch((err: unknown) =>
      connection.console.error(`TrainLens: the analyzer did not start: ${err instanceof Error ? err.stack : String(err)}`),
    );
    this.settings = new DocumentSettings(connection, () => this.clientCapabilities.workspace?.configuration === true);
    this.store = new AnalysisStore(analyzer.then((a) => withWorkspaceFiles(a, () => this.files)), (message) => connection.console.error(message));
    this.validation = new Validation(connection, this.documents, this.settings, this.store);
  }

  capabilities(): ServerCapabilities {
    return {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['"', ':'] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: {},
      inlayHintProvider: true,
    };
  }

  /** Registers every handler on the connection; call before connection.listen(). */
  register(): void {
    const { connection, documents } = this;
    connection.onInitialize((params) => {
      this.clientCapabilities = params.capabilities;
      // In an untrusted workspace (the client says so) read nothing but the open documents.
      const trusted = (params.initializationOptions as { workspaceTrusted?: unknown } | undefined)?.workspaceTrusted !== false;
      this.folders = !trusted ? [] : params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
      this.files = workspaceFilesOf(this.folders);
      return { capabilities: this.capabilities(), serverInfo: { name: 'TrainLens' } };
    });
    connection.onInitialized(() => {
      if (this.clientCapabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
        // The VS Code client also pushes these through `synchronize`; a duplicate only re-reads settings.
        void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      }
      if (this.clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
        this.watching = true;
        void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: `**/*.{${DEPENDENCY_EXTENSIONS.join(',')}}` }] });
      }
    });
    connection.onDidChangeWatchedFiles(({ changes }) => {
      const relevant = changes.filter((c) => isDependency(c.uri));
      if (relevant.length) this.workspaceChanged(relevant.some((c) => c.type !== FileChangeType.Changed));
    });
    // A client that watches no files still says when it saved one of its documents.
    documents.onDidSave(({ document }) => {
      if (!this.watching && isDependency(document.uri)) this.workspaceChanged(false);
    });
    connection.onDidChangeConfiguration((change) => {
      this.settings.changed(change.settings);
      this.validation.scheduleAll();
    });
    documents.onDidChangeContent(({ document }) => this.validation.schedule(document.uri));
    documents.onDidClose(({ document }) => {
      this.settings.forget(document.uri);
      void this.validation.close(document.uri);
    });
    connection.onHover(async ({ textDocument, position }) => {
      const result = await this.analysisOf(textDocument.uri);
      if (!result?.analysis) return null;
      return result.analysis.config ? configHover(result.analysis, position) : hoverAt(result.analysis, position);
    });
    connection.onCompletion(async ({ textDocument, position }) => configCompletions((await this.analysisOf(textDocument.uri))?.analysis, position));
    connection.onCodeAction(async ({ textDocument, context }) => {
      const result = await this.analysisOf(textDocument.uri);
      if (!result?.analysis) return [];
      const versioned = this.clientCapabilities.workspace?.workspaceEdit?.documentChanges === true;
      return quickFixes(result.analysis, result, context, versioned);
    });
    connection.onCodeLens(async ({ textDocument }) => {
      const result = await this.analysisOf(textDocument.uri);
      return result?.analysis ? codeLenses(result.analysis) : [];
    });
    connection.languages.inlayHint.on(async ({ textDocument }) => {
      if (!(await this.settings.get(textDocument.uri)).inlayHints) return [];
      const result = await this.analysisOf(textDocument.uri);
      return result?.analysis ? inlayHints(result.analysis) : [];
    });
    connection.onRequest(PlanRequest, async (params) => {
      const document = documents.get(params.uri);
      const analyzer = await this.analyzer;
      if (!document || !('plan' in analyzer)) return { gpu: params.gpu ?? '', gpus: params.gpus ?? 1, before_bytes: null, capacity_bytes: 0, plans: [], message: 'The document is not open, or this server cannot plan.' };
      const versioned = this.clientCapabilities.workspace?.workspaceEdit?.documentChanges === true;
      return planResponse(analyzer as Pick<Analyzer, 'plan'>, document, params, toAnalysisSettings(await this.settings.get(params.uri), params.uri), this.files, versioned);
    });
    connection.onRequest(TimelineRequest, async ({ uri }) => {
      const result = await this.analysisOf(uri);
      const analyzer = await this.analyzer;
      const settings = toAnalysisSettings(await this.settings.get(uri), uri);
      const reanalyse = (text: string) => analyzer.analyze({ uri, text, version: -1 }, settings, this.files);
      return timelineResponse(uri, result?.analysis, this.documents.get(uri)?.getText(), reanalyse);
    });
    connection.onRequest(WorkspaceSummaryRequest, (token) =>
      workspaceSummary(this.folders, {
        analyzer: this.analyzer,
        store: this.store,
        openDocument: (uri) => documents.get(uri),
        settingsFor: async (folderUri) => {
          const settings = await this.settings.get(folderUri);
          return { of: (fileUri) => toAnalysisSettings(settings, fileUri), maxFileBytes: settings.maxFileSize };
        },
        files: this.files,
      }, token),
    );
    connection.onRequest(MemoryRequest, memoryUsage);
    connection.onShutdown(async () => {
      this.validation.dispose();
      await this.store.dispose();
    });
    documents.listen(connection);
  }

  /**
   * A file that analyses read (a ds_config, a launcher, a model's config.json, a module a script imports)
   * changed on disk: analyse every open document again. A created or deleted file also drops the cached
   * listing of the workspace (launchers and configs are found through it).
   */
  private workspaceChanged(createdOrDeleted: boolean): void {
    if (createdOrDeleted) this.files = workspaceFilesOf(this.folders);
    this.store.invalidate();
    this.validation.scheduleAll();
  }

  /** The analysis of an open document's current text (shared with diagnostics). */
  private async analysisOf(uri: string) {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const settings = await this.settings.get(uri);
    return this.store.analyze(document, toAnalysisSettings(settings, document.uri), { maxFileBytes: settings.maxFileSize });
  }
}
