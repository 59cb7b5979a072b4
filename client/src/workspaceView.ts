/**
 * The "TrainLens: GPU fit" view in the Explorer: every training script and config of the
 * workspace with its fit, the GPUs it was judged against, and a click that opens the file where its
 * verdict is and shows the breakdown hover; also the shell scripts with findings, a click opening
 * the finding with its hover. The list comes from the server
 * (`trainlens/workspaceSummary`), fetched when the view is shown and again after a save, a
 * settings change, a file created or deleted, or the refresh button.
 */
import {
  commands, EventEmitter, MarkdownString, Position, Range, Selection, TextEditorRevealType, ThemeColor, ThemeIcon, TreeItem,
  TreeItemCollapsibleState, Uri, window, workspace, type Disposable, type TreeDataProvider, type TreeView,
} from 'vscode';
import type { WorkspaceSummaryResult } from '../../server/src/lsp/protocol';
import type { FileSummary } from '../../server/src/workspace/summary';
import type { Position as SummaryPosition } from '../../server/src/analysis/types';
import { describe, detailRows, ICONS, judgedAgainst, SHELL_ICON, sortSummaries, totals } from './workspaceItems';

export const VIEW_ID = 'trainlens.workspace';
export const SHOW_BREAKDOWN = 'trainlens.showBreakdown';
export const REFRESH = 'trainlens.refreshWorkspaceView';
/** Saves arrive in bursts (Save All): one refresh after the last. */
const REFRESH_DELAY_MS = 1000;

type Node =
  | { kind: 'file'; file: FileSummary }
  | { kind: 'detail'; file: FileSummary; label: string; description: string; position?: SummaryPosition }
  | { kind: 'message'; text: string };

export class WorkspaceView implements TreeDataProvider<Node>, Disposable {
  private readonly changed = new EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: TreeView<Node>;
  private readonly subscriptions: Disposable[];
  private summary: Promise<WorkspaceSummaryResult> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly fetch: () => Promise<WorkspaceSummaryResult>) {
    this.view = window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    const later = () => this.refreshSoon();
    const watcher = workspace.createFileSystemWatcher('**/*.{py,json,yaml,yml,sh,bash}', false, true, false);
    this.subscriptions = [
      this.view, this.changed, watcher,
      watcher.onDidCreate(later), watcher.onDidDelete(later),
      workspace.onDidSaveTextDocument((document) => /\.(py|json|ya?ml|sh|bash)$/i.test(document.fileName) && later()),
      workspace.onDidChangeConfiguration((change) => change.affectsConfiguration('trainlens') && later()),
      commands.registerCommand(REFRESH, () => this.refresh()),
      commands.registerCommand(SHOW_BREAKDOWN, showBreakdown),
    ];
  }

  /** Forgets the list; it is fetched again if the view is visible. */
  refresh(): void {
    clearTimeout(this.timer);
    this.summary = undefined;
    this.changed.fire(undefined);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'file') return detailRows(node.file).map((row) => ({ kind: 'detail', file: node.file, ...row }));
    if (node) return [];
    if (!workspace.isTrusted) {
      // The server reads no workspace file in Restricted Mode (it lists nothing): say why the view is empty.
      this.view.description = undefined;
      this.view.message = 'Restricted Mode: TrainLens analyses open files only. Trust this workspace to list its scripts and configs.';
      return [];
    }
    this.summary ??= this.fetch();
    let result: WorkspaceSummaryResult;
    try {
      result = await this.summary;
    } catch (err) {
      this.summary = undefined;
      this.view.description = undefined;
      return [{ kind: 'message', text: `TrainLens could not list the workspace: ${err instanceof Error ? err.message : String(err)}` }];
    }
    this.view.description = totals(result.files);
    this.view.message = result.problems.length ? result.problems.join(' · ') : undefined;
    // An empty list shows the view's welcome content (package.json `viewsWelcome`).
    return sortSummaries(result.files, relativePath).map((file) => ({ kind: 'file', file }));
  }

  getTreeItem(node: Node): TreeItem {
    if (node.kind === 'message') {
      const item = new TreeItem(node.text);
      item.iconPath = new ThemeIcon('warning');
      return item;
    }
    if (node.kind === 'detail') {
      const item = new TreeItem(node.label);
      item.id = `${node.file.uri}#${node.label}`;
      item.description = node.description;
      item.tooltip = `${node.label}: ${node.description}`;
      item.command = { command: SHOW_BREAKDOWN, title: 'Show the memory breakdown', arguments: [node.file.uri, node.position ?? node.file.position] };
      return item;
    }
    const { file } = node;
    const shell = file.kind === 'shell';
    const icon = shell ? SHELL_ICON : ICONS[file.fit];
    const item = new TreeItem(relativePath(file.uri), TreeItemCollapsibleState.Collapsed);
    item.id = file.uri;
    item.description = describe(file);
    item.iconPath = new ThemeIcon(icon.id, new ThemeColor(icon.color));
    const tooltip = shell
      ? `${(file.findings ?? []).map((f) => `Line ${f.position.line + 1}: ${f.message}`).join('\n\n')}\n\nClick to open it at the finding.`
      : `${file.detail}\n\nJudged against ${judgedAgainst(file)}. Click for the memory breakdown.`;
    item.tooltip = new MarkdownString(`**${relativePath(file.uri)}**\n\n${tooltip}`);
    item.contextValue = `trainlens.${file.kind}`;
    item.command = { command: SHOW_BREAKDOWN, title: shell ? 'Open at the finding' : 'Show the memory breakdown', arguments: [file.uri, file.position] };
    return item;
  }

  private refreshSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), REFRESH_DELAY_MS);
  }
}

function relativePath(uri: string): string {
  return workspace.asRelativePath(Uri.parse(uri));
}

/** Opens the file at the verdict's place and shows the hover there: the memory breakdown table (in a shell script, the finding's hover). */
async function showBreakdown(uri: string, position: { line: number; character: number }): Promise<void> {
  const editor = await window.showTextDocument(Uri.parse(uri), { preview: true });
  const at = new Position(position.line, position.character);
  editor.selection = new Selection(at, at);
  editor.revealRange(new Range(at, at), TextEditorRevealType.InCenterIfOutsideViewport);
  await commands.executeCommand('editor.action.showHover');
}
