/**
 * When to restart a language server that exited unexpectedly: the same rule as
 * vscode-languageclient's DefaultErrorHandler (lib/common/client.js, maxRestartCount 4): restart,
 * unless this is the fifth exit within three minutes, so a server that dies at start-up does not
 * loop. Kept here, without vscode imports, so the client can say what it does and tests can check it.
 */
export const MAX_RESTARTS = 4;
export const RESTART_WINDOW_MS = 3 * 60_000;

export interface CrashDecision {
  restart: boolean;
  /** Exits within the window, this one included. */
  recent: number;
}

export class RestartPolicy {
  private exits: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an unexpected exit and decides. */
  exited(): CrashDecision {
    const t = this.now();
    this.exits = [...this.exits.filter((e) => t - e <= RESTART_WINDOW_MS), t];
    return { restart: this.exits.length <= MAX_RESTARTS, recent: this.exits.length };
  }
}

/** The status item's and the log's sentence about an exit; `restarted`: the new server is running. */
export function crashMessage({ restart, recent }: CrashDecision, restarted = false): string {
  const count = `${recent} time${recent === 1 ? '' : 's'} in the last ${RESTART_WINDOW_MS / 60_000} minutes`;
  return restart
    ? `The TrainLens server exited unexpectedly (${count}); ${restarted ? 'it was restarted' : 'restarting it'}.`
    : `The TrainLens server exited unexpectedly ${count}; it is not restarted again. See the TrainLens output, then run "TrainLens: Restart Server".`;
}
