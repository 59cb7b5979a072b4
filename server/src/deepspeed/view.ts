/**
 * What the editor asks of an analysed DeepSpeed config: a hover and completions at a position.
 * Plain data (no LSP types), so the CLI and tests can use it too.
 */
import type { Position, Range } from '../analysis/types';

export interface ConfigHover { markdown: string; range: Range }

export interface ConfigCompletion {
  label: string;
  kind: 'key' | 'value';
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** The text that replaces `range`. */
  insertText: string;
  range: Range;
}

export interface ConfigView {
  hover(position: Position): ConfigHover | null;
  complete(position: Position): ConfigCompletion[];
}
