/**
 * The value a name holds at a point of the script, read along its control flow: the last binding
 * before the use (an assignment, an augmented assignment `x //= n`, or a file exec'd in place),
 * where a binding inside an `if` counts only when the evaluator can decide that branch runs. An
 * undecidable condition leaves the name unknown ("depends on `ddp` at line 40") unless every branch
 * gives the same value; a name changed by an augmented assignment inside a loop is unknown after it.
 */
import type { Node } from 'web-tree-sitter';
import type { PythonFacts } from './facts';
import { clip, type Evaluated, type Evaluator } from './evaluate';
import { arithmetic, truthy } from './operators';

/** A file run in place that may rebind names (nanoGPT's configurator, `exec(open(path).read())`). */
export interface ExecBinding {
  /** The statement that runs it. */
  at: Node;
  /** The names it binds; null when it cannot be read (then every name is unknown after it). */
  names: Set<string> | null;
  /** The value it gives `name`; `before` is the value the name had when the file ran. */
  value(name: string, before: () => Evaluated | undefined, depth: number): Evaluated | undefined;
}

type Binding =
  | { kind: 'assign'; node: Node; value: Node }
  | { kind: 'augment'; node: Node; value: Node; op: string }
  | { kind: 'exec'; node: Node; exec: ExecBinding };

type Outer = () => Evaluated | undefined;

const LOOPS = new Set(['for_statement', 'while_statement']);
/** Bodies that run at another time than the code around them: the chain of enclosing statements stops there. */
const SCOPES = new Set(['function_definition', 'class_definition', 'lambda', 'decorated_definition']);
export class NameFlow {
  constructor(private readonly ev: Evaluator, private readonly facts: PythonFacts, private readonly execs: () => ExecBinding[]) {}

  /** The value of `name` just before offset `pos`; undefined when nothing in this file binds it before. */
  valueAt(name: string, pos: number, depth: number): Evaluated | undefined {
    const bindings = this.bindings(name);
    return bindings.length ? this.before(name, bindings, pos, 0, () => undefined, depth) : undefined;
  }

  private bindings(name: string): Binding[] {
    const out: Binding[] = (this.facts.assignments.get(name) ?? []).map((a) => ({ kind: 'assign', node: a.assignment, value: a.value }));
    for (const { assignment: node, value } of this.facts.augmented.get(name) ?? []) {
      const op = node.childForFieldName('operator')?.text.replace(/=$/, '');
      if (op) out.push({ kind: 'augment', node, value, op });
    }
    for (const exec of this.execs()) if (!exec.names || exec.names.has(name)) out.push({ kind: 'exec', node: exec.at, exec });
    return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /** The last binding in [lo, pos), read through the `if`s and loops that hold it; `outer` when there is none. */
  private before(name: string, bindings: Binding[], pos: number, lo: number, outer: Outer, depth: number): Evaluated | undefined {
    let last: Binding | undefined;
    for (const b of bindings) if (b.node.startIndex >= lo && b.node.endIndex <= pos) last = b;
    if (!last) return outer();
    const chain = controlChain(last.node, pos, lo);
    const loop = chain.find((c) => LOOPS.has(c.type) && bindings.some((b) => b.kind !== 'assign' && within(b.node, c)));
    if (loop) return fail(last.node, `\`${name}\` changes in the loop at line ${line(loop)}`);
    const branch = chain.find((c) => c.type === 'if_statement');
    if (branch) return this.branches(name, bindings, branch, lo, outer, depth);
    return this.apply(name, bindings, last, lo, outer, depth);
  }

  private apply(name: string, bindings: Binding[], b: Binding, lo: number, outer: Outer, depth: number): Evaluated | undefined {
    const prior = () => this.before(name, bindings, b.node.startIndex, lo, outer, depth);
    if (b.kind === 'exec') return b.exec.value(name, prior, depth);
    if (b.kind === 'assign') {
      const inner = this.ev.evaluate(b.value, depth + 1);
      return inner.ok ? { ...inner, via: [`${name} = ${clip(b.value.text)} (line ${line(b.node)})`, ...inner.via] } : inner;
    }
    const was = prior() ?? fail(b.node, `\`${name}\` is not assigned before line ${line(b.node)}`);
    if (!was.ok) return was;
    const by = this.ev.evaluate(b.value, depth + 1);
    if (!by.ok) return by;
    const value = typeof was.value === 'number' && typeof by.value === 'number' ? arithmetic(b.op, was.value, by.value) : undefined;
    if (value === undefined) return fail(b.node, `\`${clip(b.node.text)}\` is not arithmetic TrainLens evaluates`);
    return { ok: true, value, node: b.node, via: [...was.via, ...by.via, `${clip(b.node.text)} (line ${line(b.node)}) → ${value}`] };
  }

  /** An `if` whose body binds the name: the branch its conditions choose, or every branch when undecidable. */
  private branches(name: string, bindings: Binding[], stmt: Node, lo: number, outer: Outer, depth: number): Evaluated | undefined {
    const before: Outer = () => this.before(name, bindings, stmt.startIndex, lo, outer, depth);
    const inBody = (body: Node) => this.before(name, bindings, body.endIndex, body.startIndex, before, depth);
    const clauses = ifClauses(stmt);
    for (let i = 0; i < clauses.length; i++) {
      const { condition, body } = clauses[i];
      if (!condition) return inBody(body);
      const test = this.ev.evaluate(condition, depth + 1);
      if (!test.ok) {
        const rest = clauses.slice(i).map((c) => () => inBody(c.body));
        if (clauses[clauses.length - 1].condition) rest.push(before);
        return agree(rest.map((r) => r()), name, condition, test.reason);
      }
      if (truthy(test.value)) {
        const chosen = inBody(body);
        return chosen?.ok ? { ...chosen, via: [...test.via, `\`if ${clip(condition.text)}\` (line ${line(condition)}) is true`, ...chosen.via] } : chosen;
      }
    }
    return before();
  }

}

/** `if` / `elif` / `else` clauses in order; `else` has no condition. */
function ifClauses(stmt: Node): { condition?: Node; body: Node }[] {
  const out: { condition?: Node; body: Node }[] = [];
  const first = stmt.childForFieldName('consequence');
  const condition = stmt.childForFieldName('condition');
  if (first && condition) out.push({ condition, body: first });
  for (const alt of stmt.childrenForFieldName('alternative')) {
    if (!alt) continue;
    const body = alt.childForFieldName(alt.type === 'else_clause' ? 'body' : 'consequence');
    const cond = alt.type === 'elif_clause' ? alt.childForFieldName('condition') ?? undefined : undefined;
    if (body) out.push({ condition: cond, body });
  }
  return out;
}

/** Control statements holding `node` but not `pos`, outermost first, inside [lo, …) and the same scope. */
function controlChain(node: Node, pos: number, lo: number): Node[] {
  const chain: Node[] = [];
  for (let n = node.parent; n && n.startIndex >= lo && !SCOPES.has(n.type); n = n.parent) {
    if (n.startIndex <= pos && pos < n.endIndex) break;
    if (n.type === 'if_statement' || LOOPS.has(n.type)) chain.unshift(n);
  }
  return chain;
}

/** Every possible outcome gives the same value, or the name depends on the condition. */
function agree(outcomes: (Evaluated | undefined)[], name: string, condition: Node, why: string): Evaluated | undefined {
  const first = outcomes[0];
  const scalar = (e: Evaluated | undefined) => (e?.ok && (typeof e.value !== 'object' || e.value === null) ? JSON.stringify(e.value) : undefined);
  const key = scalar(first);
  if (key !== undefined && outcomes.every((o) => scalar(o) === key)) {
    return { ...(first as Evaluated & { ok: true }), via: [`the same on every branch of \`if ${clip(condition.text)}\` (line ${line(condition)})`, ...(first as Evaluated & { ok: true }).via] };
  }
  return fail(condition, `\`${name}\` depends on \`${clip(condition.text)}\` at line ${line(condition)} (${why})`);
}

function within(node: Node, container: Node): boolean {
  return node.startIndex >= container.startIndex && node.endIndex <= container.endIndex;
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}

function fail(node: Node, reason: string): Evaluated {
  return { ok: false, reason, node };
}
