/**
 * Command links in hover Markdown. VS Code runs `command:` links only from a MarkdownString its
 * client marks trusted for those commands (client/src/languageClient.ts trusts exactly the ones
 * listed here); other editors show the link's label and target as written.
 */

/** Opens the memory-timeline webview of the document given as the argument (client/src/timelineView.ts). */
export const SHOW_TIMELINE_COMMAND = 'trainlens.showTimeline';

/** Every command a TrainLens hover may link to: the client trusts these and no others. */
export const HOVER_COMMANDS: readonly string[] = [SHOW_TIMELINE_COMMAND];

/**
 * `[label](command:id?args)`: VS Code's command-link form, the arguments a JSON array,
 * URI-encoded (VS Code decodes the query and spreads the array into the command's arguments).
 */
export function commandLink(label: string, command: string, args: unknown[]): string {
  return `[${label.replace(/[[\]\\]/g, (c) => `\\${c}`)}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}
