/**
 * A time budget for tree-sitter work. Parsing and queries are linear on real code, but pathological
 * input (30,000 unclosed brackets, a 10 MB file) can make a query take seconds: tree-sitter calls
 * `progressCallback` as it goes and stops when it returns true, so the analysis ends with a clear
 * message instead of freezing the server.
 */
export const TREE_SITTER_BUDGET_MS = 3000;

export class Deadline {
  private readonly at: number;
  /** True once tree-sitter was told to stop: whatever it returned is incomplete. */
  expired = false;

  constructor(ms = TREE_SITTER_BUDGET_MS) {
    this.at = performance.now() + ms;
  }

  /** For tree-sitter's `progressCallback` option (parse and query). */
  readonly progressCallback = (): boolean => (this.expired ||= performance.now() > this.at);
}

/** The error an analysis ends with when its budget ran out: a message for the user, not a bug. */
export class BudgetExceededError extends Error {}

export function budgetExceeded(what: string): BudgetExceededError {
  return new BudgetExceededError(`TrainLens stopped ${what} after ${TREE_SITTER_BUDGET_MS / 1000} s: the file is too large or too deeply nested to analyse as you type`);
}
