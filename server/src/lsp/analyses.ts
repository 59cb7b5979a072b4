/**
 * The latest analysis of each open document, computed at most once per (version, settings).
 * Diagnostics, hovers and code actions all read from here, so a hover right after an edit analyses
 * the new text instead of showing the old numbers, and the debounced validation then reuses it.
 * An analysis that throws is kept as an error result: one bad document never stops the others.
 */
import type { Analyzer } from '../analysis/analyzer';
import type { Analysis, AnalysisSettings } from '../analysis/types';

/** The part of the Analyzer that the server uses. */
export type DocumentAnalyzer = Pick<Analyzer, 'analyze' | 'close' | 'dispose'>;

export type AnalysisResult =
  | { uri: string; version: number; analysis: Analysis; error?: undefined }
  | { uri: string; version: number; analysis?: undefined; error: Error };

/** What the store needs of a document: its current text and version (read together). */
export interface VersionedText {
  readonly uri: string;
  readonly version: number;
  getText(): string;
}

interface Entry { settingsKey: string; result: AnalysisResult }

export class AnalysisStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly analyzer: Promise<DocumentAnalyzer>, private readonly logError: (message: string) => void) {}

  /** The analysis of the document as it is when the analyzer is ready. */
  async analyze(document: VersionedText, settings: AnalysisSettings): Promise<AnalysisResult> {
    let analyzer: DocumentAnalyzer;
    try {
      analyzer = await this.analyzer;
    } catch (err) {
      const error = new Error(`TrainLens could not load its parser: ${messageOf(err)}`);
      return { uri: document.uri, version: document.version, error };
    }
    const { uri, version } = document;
    const settingsKey = `${settings.gpu}\u0000${settings.gpus}`;
    const cached = this.entries.get(uri);
    if (cached && cached.result.version === version && cached.settingsKey === settingsKey) return cached.result;
    let result: AnalysisResult;
    try {
      result = { uri, version, analysis: analyzer.analyze({ uri, text: document.getText(), version }, settings) };
    } catch (err) {
      this.logError(`TrainLens: analysis of ${uri} (version ${version}) failed: ${stackOf(err)}`);
      result = { uri, version, error: new Error(`TrainLens could not analyse this file: ${messageOf(err)}`) };
    }
    this.entries.set(uri, { settingsKey, result });
    return result;
  }

  /** Forgets the document and frees its syntax tree. */
  async close(uri: string): Promise<void> {
    this.entries.delete(uri);
    try {
      (await this.analyzer).close(uri);
    } catch (err) {
      this.logError(`TrainLens: closing ${uri} failed: ${stackOf(err)}`);
    }
  }

  /** Frees every tree and the parser (on shutdown). */
  async dispose(): Promise<void> {
    this.entries.clear();
    try {
      (await this.analyzer).dispose();
    } catch (err) {
      this.logError(`TrainLens: disposing the analyzer failed: ${stackOf(err)}`);
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
