/**
 * The `trainlens.*` settings: one typed shape with defaults (the same as package.json's
 * `contributes.configuration`, which a test checks), parsed leniently: a bad value is logged and
 * replaced by its default, never thrown.
 */
import type { AnalysisSettings } from '../analysis/types';
import { DEFAULT_MAX_BYTES } from '../workspace/files';
import { readStatedValue } from '../analysis/directives';

export interface Settings {
  /** Catalog id of the GPU, e.g. "A100-80GB". */
  gpu: string;
  /** GPUs the job runs on (data parallel). */
  gpuCount: number;
  /** Files larger than this many bytes are not analysed. */
  maxFileSize: number;
  /** Inlay hints after memory-relevant arguments ("≈ 21.4 GiB activations"). */
  inlayHints: boolean;
  /** Job values to use where the code does not show them (`{"seq_len": "4096"}`). */
  assume: Record<string, string>;
  /** Launch command per script (key: the script's path relative to the workspace, or its file name). */
  launchCommands: Record<string, string>;
}

export const SETTINGS_SECTION = 'trainlens';

export const DEFAULT_SETTINGS: Readonly<Settings> = { gpu: 'A100-80GB', gpuCount: 1, maxFileSize: DEFAULT_MAX_BYTES, inlayHints: false, assume: {}, launchCommands: {} };

/** Below this, a limit would skip ordinary scripts: a typo, not a choice. */
const MIN_FILE_SIZE = 1024;

/** Reads a `trainlens` settings object from a client; `warn` hears about every value ignored. */
export function parseSettings(raw: unknown, warn: (message: string) => void): Settings {
  const input = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const settings = { ...DEFAULT_SETTINGS };
  if (input.gpu !== undefined) {
    if (typeof input.gpu === 'string' && input.gpu.trim() !== '') settings.gpu = input.gpu.trim();
    else warn(`trainlens.gpu must be a GPU id such as "A100-80GB"; using ${DEFAULT_SETTINGS.gpu}`);
  }
  if (input.gpuCount !== undefined) {
    if (Number.isInteger(input.gpuCount) && (input.gpuCount as number) >= 1) settings.gpuCount = input.gpuCount as number;
    else warn(`trainlens.gpuCount must be an integer ≥ 1; using ${DEFAULT_SETTINGS.gpuCount}`);
  }
  if (input.maxFileSize !== undefined) {
    if (Number.isInteger(input.maxFileSize) && (input.maxFileSize as number) >= MIN_FILE_SIZE) settings.maxFileSize = input.maxFileSize as number;
    else warn(`trainlens.maxFileSize must be a number of bytes ≥ ${MIN_FILE_SIZE}; using ${DEFAULT_SETTINGS.maxFileSize}`);
  }
  if (input.inlayHints !== undefined) {
    if (typeof input.inlayHints === 'boolean') settings.inlayHints = input.inlayHints;
    else warn('trainlens.inlayHints must be true or false; using false');
  }
  if (input.assume !== undefined) {
    const entries = input.assume !== null && typeof input.assume === 'object' && !Array.isArray(input.assume) ? Object.entries(input.assume as Record<string, unknown>) : undefined;
    const readable = entries?.filter(([k, v]) => ['string', 'number', 'boolean'].includes(typeof v) && readStatedValue(k, String(v)));
    if (entries && readable && readable.length === entries.length) settings.assume = Object.fromEntries(readable.map(([k, v]) => [k, String(v)]));
    else warn('trainlens.assume must map job fields (seq_len, micro_batch, grad_accum, precision, optimizer, grad_checkpointing, attention) to valid values; ignoring it');
  }
  if (input.launchCommands !== undefined) {
    const raw = input.launchCommands;
    const entries = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.entries(raw as Record<string, unknown>) : undefined;
    if (entries && entries.every(([, v]) => typeof v === 'string')) settings.launchCommands = Object.fromEntries(entries) as Record<string, string>;
    else warn('trainlens.launchCommands must map script paths to launch command strings; ignoring it');
  }
  return settings;
}

/** The analysis settings for one document: its launch command is the entry whose key ends its path. */
export function toAnalysisSettings(settings: Settings, uri?: string): AnalysisSettings {
  const path = uri ? decodeURIComponent(uri.replace(/^file:\/\//, '')) : '';
  const key = Object.keys(settings.launchCommands).find((k) => path === k || path.endsWith(`/${k.replace(/^\.?\//, '')}`));
  const assume = Object.keys(settings.assume).length ? { assume: settings.assume } : {};
  return { gpu: settings.gpu, gpus: settings.gpuCount, ...assume, ...(key ? { command: settings.launchCommands[key] } : {}) };
}
