/**
 * Debounced analysis of open documents, published as diagnostics and a status notification.
 * Each publish carries the document version it describes, and a version older than one already
 * published for that document is dropped.
 *
 * The debounce adapts to the document: a burst of keystrokes closer together than the delay is
 * analysed once, for its last text, but waiting longer than an analysis takes only adds latency.
 * So a document is first analysed at once, and after an edit the wait is twice what an analysis
 * after an edit costs it (AnalysisStore.editCostMs), kept between 15 ms and 150 ms: 15 ms for a
 * 3,000-line script, 150 ms for a huge one. The first analysis (a parse from scratch, ~10× an
 * incremental one) does not count: it would hold the first edits of every large file at 150 ms.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalysisStore } from './analyses';
import { KeyedDebouncer } from './debounce';
import { toDiagnostics } from './diagnostics';
import type { DocumentSettings } from './documentSettings';
import { StatusNotification } from './protocol';
import { toAnalysisSettings } from './settings';
import { statusOf } from './status';

const MIN_DELAY_MS = 15;
const MAX_DELAY_MS = 150;

/** The debounce after an edit, given what an analysis after an edit costs the document (undefined: never analysed). */
export function debounceDelay(editCostMs: number | undefined): number {
  if (editCostMs === undefined) return 0;
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, Math.round(2 * editCostMs)));
}

export class Validation {
  private readonly debouncer = new KeyedDebouncer((uri) => void this.validate(uri));
  private readonly publishedVersions = new Map<string, number>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly settings: DocumentSettings,
    private readonly store: AnalysisStore,
  ) {}

  /** The document was opened or changed. */
  schedule(uri: string): void {
    this.debouncer.schedule(uri, debounceDelay(this.store.editCostMs(uri)));
  }

  /** Re-analyses every open document (settings changed). */
  scheduleAll(): void {
    for (const document of this.documents.all()) this.debouncer.schedule(document.uri, 0);
  }

  /** Stops work on a closed document, clears its diagnostics and frees its tree. */
  async close(uri: string): Promise<void> {
    this.debouncer.cancel(uri);
    this.publishedVersions.delete(uri);
    await this.connection.sendDiagnostics({ uri, diagnostics: [] });
    await this.store.close(uri);
  }

  dispose(): void {
    this.debouncer.dispose();
  }

  private async validate(uri: string): Promise<void> {
    try {
      const document = this.documents.get(uri);
      if (!document) return;
      const settings = await this.settings.get(uri);
      if (this.documents.get(uri) !== document) return; // closed meanwhile: do not parse it again
      const result = await this.store.analyze(document, toAnalysisSettings(settings, document.uri), { maxFileBytes: settings.maxFileSize });
      if (this.documents.get(uri) !== document) return;
      if (result.version < (this.publishedVersions.get(uri) ?? -Infinity)) return;
      this.publishedVersions.set(uri, result.version);
      await this.connection.sendDiagnostics({ uri, version: result.version, diagnostics: toDiagnostics(result) });
      await this.connection.sendNotification(StatusNotification, statusOf(result, settings));
    } catch (err) {
      this.connection.console.error(`TrainLens: validating ${uri} failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
}
