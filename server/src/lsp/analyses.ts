/**
 * The latest analysis of each open document, computed at most once per (version, settings).
 * Diagnostics, hovers and code actions all read from here, so a hover right after an edit analyses
 * the new text instead of showing the old numbers, and the debounced validation then reuses it.
 * An analysis that throws is kept as an error result: one bad document never stops the others.
 * A document over the size limit is not analysed (tree-sitter and the queries are linear in its
 * size, and a multi-megabyte file is data, not a training script).
 */
import type { Analyzer } from '../analysis/analyzer';
import type { Analysis, AnalysisSettings } from '../analysis/types';
import { BudgetExceededError } from '../parsing/deadline';
import { DEFAULT_MAX_BYTES } from '../workspace/files';

/** The part of the Analyzer that the server uses. */
export type DocumentAnalyzer = Pick<Analyzer, 'analyze' | 'close' | 'dispose'>;

/** An analysis, or the reason there is none (`error`: the analysis failed or the file was skipped). */
export type AnalysisResult =
  | { uri: string; version: number; analysis: Analysis; error?: undefined }
  | { uri: string; version: number; analysis?: undefined; error: Error };

/** Limits that apply to every document. */
export interface AnalysisLimits {
  /** Documents larger than this many UTF-8 bytes are skipped with a message. */
  maxFileBytes: number;
}

/** What the store needs of a document: its current text and version (read together). */
export interface VersionedText {
  readonly uri: string;
  readonly version: number;
  getText(): string;
}

const DEFAULT_LIMITS: AnalysisLimits = { maxFileBytes: DEFAULT_MAX_BYTES };

/** How many recent analyses after an edit the debounce looks at. */
const RECENT_EDITS = 3;

interface Entry {
  settingsKey: string;
  /** The workspace generation the analysis read files in (see invalidate()). */
  generation: number;
  result: AnalysisResult;
  /** Times of the last few analyses of an edited text (not the first one, which parses from scratch). */
  editMs: number[];
}

export class AnalysisStore {
  private readonly entries = new Map<string, Entry>();
  /** Bumped when a file an analysis may have read changed on disk: every kept analysis is then stale. */
  private generation = 0;

  constructor(private readonly analyzer: Promise<DocumentAnalyzer>, private readonly logError: (message: string) => void) {
    // A parser that failed to load is reported on every analysis (and logged once by the server), not as an unhandled rejection.
    analyzer.catch(() => undefined);
  }

  /** The analysis of the document as it is when the analyzer is ready. */
  async analyze(document: VersionedText, settings: AnalysisSettings, limits: AnalysisLimits = DEFAULT_LIMITS): Promise<AnalysisResult> {
    let analyzer: DocumentAnalyzer;
    try {
      analyzer = await this.analyzer;
    } catch (err) {
      const error = new Error(`TrainLens could not load its parser: ${messageOf(err)}`);
      return { uri: document.uri, version: document.version, error };
    }
    const { uri, version } = document;
    const settingsKey = `${settings.gpu}\u0000${settings.gpus}\u0000${limits.maxFileBytes}`;
    const cached = this.entries.get(uri);
    if (cached && cached.result.version === version && cached.settingsKey === settingsKey && cached.generation === this.generation) return cached.result;
    const started = performance.now();
    const text = document.getText();
    let result: AnalysisResult;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > limits.maxFileBytes) {
      analyzer.close(uri); // free the tree of a smaller earlier version
      result = { uri, version, error: new Error(`TrainLens skipped this file: ${size(bytes)} is over the trainlens.maxFileSize limit of ${size(limits.maxFileBytes)}`) };
    } else {
      try {
        result = { uri, version, analysis: analyzer.analyze({ uri, text, version }, settings) };
      } catch (err) {
        if (err instanceof BudgetExceededError) {
          result = { uri, version, error: err };
        } else {
          this.logError(`TrainLens: analysis of ${uri} (version ${version}) failed: ${stackOf(err)}`);
          result = { uri, version, error: new Error(`TrainLens could not analyse this file: ${messageOf(err)}`) };
        }
      }
    }
    const elapsedMs = performance.now() - started;
    const editMs = cached ? [...cached.editMs, elapsedMs].slice(-RECENT_EDITS) : [];
    this.entries.set(uri, { settingsKey, generation: this.generation, result, editMs });
    return result;
  }

  /**
   * What an analysis of the document after an edit costs: undefined before its first analysis,
   * else the fastest of its last three analyses after an edit (0 until three were timed): the
   * document's own cost, not a pause of the machine or the one re-parse from scratch after its tree
   * was evicted. Guessing low only lets a burst of keystrokes cost two analyses instead of one.
   */
  editCostMs(uri: string): number | undefined {
    const entry = this.entries.get(uri);
    if (!entry) return undefined;
    return entry.editMs.length < RECENT_EDITS ? 0 : Math.min(...entry.editMs);
  }

  /**
   * A workspace file changed on disk (a ds_config, launcher, model config or imported module): the next
   * request for any document analyses it again, at the same version, reading the files anew.
   */
  invalidate(): void {
    this.generation++;
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

function size(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
