/**
 * The analyses of the scripts that use a config, kept while the script's text, the settings and
 * the config file on disk stay the same: editing a config re-runs the rules and the stage table on
 * every change, but re-analyses a script (parse, resolver, its own fixes) only when it changed.
 */
import { statSync } from 'node:fs';
import type { Analysis, AnalysisSettings } from '../analysis/types';
import { uriToPath } from '../workspace/files';

/** Configs are edited one or two at a time; each has a few users. */
const CAPACITY = 16;

export type ScriptAnalyzer = (doc: { uri: string; text: string; version: number }, settings: AnalysisSettings) => Analysis;

export class ScriptCache {
  private readonly entries = new Map<string, Analysis>();

  /** The analysis of `script` as used by the config at `configUri` (whose saved copy the script reads). */
  analyze(analyzeScript: ScriptAnalyzer, script: { uri: string; text: string }, settings: AnalysisSettings, configUri: string): Analysis {
    const key = JSON.stringify([script.uri, script.text, settings, configUri, savedAt(configUri)]);
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const analysis = analyzeScript({ ...script, version: 0 }, settings);
    this.entries.set(key, analysis);
    while (this.entries.size > CAPACITY) this.entries.delete(this.entries.keys().next().value!);
    return analysis;
  }
}

function savedAt(uri: string): number | undefined {
  const path = uriToPath(uri);
  try {
    return path ? statSync(path).mtimeMs : undefined;
  } catch {
    return undefined;
  }
}
