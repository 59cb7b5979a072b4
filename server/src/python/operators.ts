/** Python's operators on the values the evaluator reads: truth, comparisons, arithmetic, sequence repetition. */
import type { PyValue } from './evaluate';

/** Python truthiness: empty containers, 0, '' and None are false. */
export function truthy(v: PyValue): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && v !== null) return v.kind === 'dict' ? v.entries.size + (v.given?.size ?? 0) > 0 : true;
  return v !== null && v !== false && v !== 0 && v !== '';
}

/**
 * One comparison operator (`is not` and `not in` as two words) on scalars; `in`/`not in` also test a
 * scalar against a list of scalars (`model_args.torch_dtype in ["auto", None]`) or a substring of a string.
 */
export function compare(op: string, a: PyValue, b: PyValue): boolean | undefined {
  const scalar = (v: PyValue) => typeof v !== 'object' || v === null;
  if (op === 'in' || op === 'not in') {
    const found = membership(a, b);
    return found === undefined ? undefined : found === (op === 'in');
  }
  if (!scalar(a) || !scalar(b)) return undefined;
  const numbers = typeof a === 'number' && typeof b === 'number';
  switch (op) {
    case '==': case 'is': return a === b;
    case '!=': case 'is not': return a !== b;
    case '<': return numbers ? a < b : undefined;
    case '<=': return numbers ? a <= b : undefined;
    case '>': return numbers ? a > b : undefined;
    case '>=': return numbers ? a >= b : undefined;
    default: return undefined;
  }
}

function membership(item: PyValue, container: PyValue): boolean | undefined {
  if (typeof item === 'object' && item !== null) return undefined;
  if (typeof container === 'string') return typeof item === 'string' ? container.includes(item) : undefined;
  if (!Array.isArray(container) || !container.every((c) => typeof c !== 'object' || c === null)) return undefined;
  return container.includes(item);
}

export function arithmetic(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? undefined : a / b;
    case '//': return b === 0 ? undefined : Math.floor(a / b);
    case '%': return b === 0 ? undefined : a - b * Math.floor(a / b);
    case '**': return a ** b;
    default: return undefined;
  }
}

/** Longest list TrainLens builds by repetition (`["..."] * 64`): a bound, not a limit of Python. */
export const MAX_REPEATED = 100_000;

/** `list * n`, `n * list`, `list + list`, `str + str`: undefined for anything else. */
export function sequenceOp(op: string, a: PyValue, b: PyValue): PyValue | undefined {
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op !== '*') return undefined;
  const [list, n] = Array.isArray(a) && typeof b === 'number' ? [a, b] : Array.isArray(b) && typeof a === 'number' ? [b, a] : [];
  if (!list || n === undefined || !Number.isInteger(n) || list.length * Math.max(n, 0) > MAX_REPEATED) return undefined;
  return Array.from({ length: Math.max(n, 0) }, () => list).flat();
}
