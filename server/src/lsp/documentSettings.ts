/**
 * Settings per document. Clients that support `workspace/configuration` are asked for the
 * `trainlens` section of each document (cached until the configuration changes); others get the
 * settings last pushed with `workspace/didChangeConfiguration`.
 */
import type { Connection } from 'vscode-languageserver';
import { DEFAULT_SETTINGS, parseSettings, SETTINGS_SECTION, type Settings } from './settings';

export class DocumentSettings {
  private readonly cache = new Map<string, Promise<Settings>>();
  private pushed: Settings = { ...DEFAULT_SETTINGS };

  constructor(private readonly connection: Connection, private readonly canPull: () => boolean) {}

  get(uri: string): Promise<Settings> {
    if (!this.canPull()) return Promise.resolve(this.pushed);
    let settings = this.cache.get(uri);
    if (!settings) {
      settings = this.connection.workspace
        .getConfiguration({ scopeUri: uri, section: SETTINGS_SECTION })
        .then((raw) => this.parse(raw))
        .catch((err: unknown) => {
          this.connection.console.error(`TrainLens: could not read settings: ${String(err)}; using defaults`);
          this.cache.delete(uri);
          return { ...DEFAULT_SETTINGS };
        });
      this.cache.set(uri, settings);
    }
    return settings;
  }

  /** A `workspace/didChangeConfiguration` arrived: forget pulled settings, keep pushed ones. */
  changed(pushedSettings: unknown): void {
    this.cache.clear();
    const section = (pushedSettings as Record<string, unknown> | null | undefined)?.[SETTINGS_SECTION];
    if (!this.canPull() && section !== undefined) this.pushed = this.parse(section);
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }

  private parse(raw: unknown): Settings {
    return parseSettings(raw, (message) => this.connection.console.warn(`TrainLens: ${message}`));
  }
}
