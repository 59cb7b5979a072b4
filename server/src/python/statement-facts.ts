/**
 * The facts of a Python file, re-extracted after an edit only where the edit can change them.
 * Running the queries walks every node of the tree (about 10 ms per 3,000 lines), so facts are
 * kept per statement, keyed by the statement's text: after an edit, an unchanged statement reuses
 * its facts, rebased to where it now starts, and only changed statements are queried (the key also
 * holds the statement's node type). Compound
 * statements (def, class, if, with, ...) are split into their header and the statements of their
 * blocks, so an edit inside a long `main()` re-queries one inner statement, not all of main.
 *
 * Reused facts hold offsets, not nodes (nodes belong to one tree); each node is looked up in the
 * current tree when a consumer first reads it, which most never do (analyses filter calls by
 * callee name and assignments by name). Statements containing a syntax error are never cached:
 * their parse can depend on the text around them.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { budgetExceeded, Deadline } from '../parsing/deadline';
import type { QueryStore } from '../parsing/queries';
import { factsOfQueries, type AssignmentFact, type CallFact, type PythonFacts } from './facts';

/** A node by its range and type, relative to the start of the statement that holds it. */
interface Ref { start: number; end: number; type: string }

interface CallRecord { call: Ref; callee: string; receiver?: Ref; args: Ref; positional: Ref[]; keywords: [string, Ref][]; spreads: Ref[] }
interface AssignmentRecord { name: string; value: Ref; assignment: Ref }

/** The facts of one node that was queried, relative to its start. Assignments in document order. */
interface Facts { calls: CallRecord[]; assignments: AssignmentRecord[]; augmented: AssignmentRecord[]; directives: Ref[] }

/** A statement's facts: queried pieces (header, simple statement) and inner statements, in document order. */
interface StatementRecord {
  /** Its node type and text: the cache key, owned (see ownCopy). */
  key: string;
  parts: ({ offset: number; facts: Facts } | { offset: number; inner: StatementRecord })[];
}

/** Statements whose blocks hold further statements (tree-sitter-python node types). */
const COMPOUND = new Set([
  'function_definition', 'class_definition', 'decorated_definition', 'if_statement', 'elif_clause', 'else_clause',
  'for_statement', 'while_statement', 'try_statement', 'except_clause', 'except_group_clause', 'finally_clause',
  'with_statement', 'match_statement', 'case_clause',
]);

/** One document's statement facts; create one per document and call `extract` after each parse. */
export class StatementFacts {
  private cache = new Map<string, StatementRecord>();

  constructor(private readonly queries: QueryStore) {}

  extract(tree: Tree, text: string): PythonFacts {
    const root = tree.rootNode;
    const run = new Extraction(this.queries, this.cache, text, root);
    if (root.type === 'module') {
      for (const child of root.children) if (child) run.statement(child);
    } else {
      run.fresh(root);
    }
    this.cache = run.nextCache;
    return run.facts;
  }
}

/** One extraction: reads the previous cache, fills the next one with what the current text uses. */
class Extraction {
  readonly nextCache = new Map<string, StatementRecord>();
  readonly facts: PythonFacts = { calls: [], assignments: new Map(), augmented: new Map(), directives: [] };
  private readonly deadline = new Deadline();

  constructor(
    private readonly queries: QueryStore,
    private readonly previous: Map<string, StatementRecord>,
    private readonly text: string,
    private readonly root: Node,
  ) {}

  /** Adds the facts of one statement: reused when its text is cached, else queried (and cached unless it has an error). */
  statement(node: Node): StatementRecord | undefined {
    if (node.hasError) {
      this.fresh(node);
      return undefined;
    }
    // The type is part of the key: the same text can parse differently in another context
    // (`print(x)` is a call, but a Python 2 print_statement when a stray quote follows it).
    const key = `${node.type}\u0000${this.text.slice(node.startIndex, node.endIndex)}`;
    const cached = this.nextCache.get(key) ?? this.previous.get(key);
    if (cached) {
      this.keep(cached);
      addLazy(this.facts, cached, node.startIndex, this.root);
      return cached;
    }
    const record = this.record(node, ownCopy(key));
    this.nextCache.set(record.key, record);
    return record;
  }

  /** Adds the facts of a statement without errors and returns them as a record to cache. */
  private record(node: Node, key: string): StatementRecord {
    if (!COMPOUND.has(node.type)) return { key, parts: [{ offset: 0, facts: relative(this.fresh(node), node.startIndex) }] };
    const record: StatementRecord = { key, parts: [] };
    for (const child of node.children) {
      if (!child) continue;
      const offset = child.startIndex - node.startIndex;
      if (child.type === 'block') {
        for (const inner of child.children) {
          const innerRecord = inner && this.statement(inner);
          if (innerRecord) record.parts.push({ offset: inner.startIndex - node.startIndex, inner: innerRecord });
        }
      } else if (COMPOUND.has(child.type)) {
        const innerRecord = this.statement(child);
        if (innerRecord) record.parts.push({ offset, inner: innerRecord });
      } else if (child.isNamed) {
        // (a keyword or punctuation token holds no facts: not worth a query)
        record.parts.push({ offset, facts: relative(this.fresh(child), child.startIndex) });
      }
    }
    return record;
  }

  /** Queries one node of the current tree and adds its facts as they are. */
  fresh(node: Node): PythonFacts {
    const facts = factsOfQueries(node, this.queries, this.deadline);
    // Facts from a cancelled query are incomplete: never use (or cache) them.
    if (this.deadline.expired) throw budgetExceeded('reading this file');
    this.facts.calls.push(...facts.calls);
    for (const [name, list] of facts.assignments) for (const assignment of list) addAssignment(this.facts.assignments, name, assignment);
    for (const [name, list] of facts.augmented) for (const assignment of list) addAssignment(this.facts.augmented, name, assignment);
    this.facts.directives.push(...facts.directives);
    return facts;
  }

  private keep(record: StatementRecord): void {
    if (this.nextCache.has(record.key)) return;
    this.nextCache.set(record.key, record);
    for (const part of record.parts) if ('inner' in part) this.keep(part.inner);
  }
}

/**
 * A copy of a key that does not share memory with the document's text: a slice would keep every
 * version of the document alive for as long as one of its statements stays cached.
 */
function ownCopy(key: string): string {
  return Buffer.from(key, 'utf16le').toString('utf16le');
}

function addAssignment(byName: Map<string, AssignmentFact[]>, name: string, assignment: AssignmentFact): void {
  const list = byName.get(name);
  if (list) list.push(assignment);
  else byName.set(name, [assignment]);
}

/** Facts of nodes as offsets from `base`. Assignments stay in document order. */
function relative(facts: PythonFacts, base: number): Facts {
  const ref = (node: Node): Ref => ({ start: node.startIndex - base, end: node.endIndex - base, type: node.type });
  const inOrder = (byName: Map<string, AssignmentFact[]>): AssignmentRecord[] => [...byName.values()].flat()
    .sort((a, b) => a.assignment.startIndex - b.assignment.startIndex)
    .map((a) => ({ name: a.name, value: ref(a.value), assignment: ref(a.assignment) }));
  return {
    calls: facts.calls.map((c) => ({
      call: ref(c.call), callee: c.callee, receiver: c.receiver && ref(c.receiver), args: ref(c.args),
      positional: c.positional.map(ref), keywords: [...c.keywords].map(([k, n]) => [k, ref(n)]), spreads: c.spreads.map(ref),
    })),
    assignments: inOrder(facts.assignments),
    augmented: inOrder(facts.augmented),
    directives: facts.directives.map(ref),
  };
}

function addLazy(facts: PythonFacts, record: StatementRecord, offset: number, root: Node): void {
  for (const part of record.parts) {
    if ('inner' in part) addLazy(facts, part.inner, offset + part.offset, root);
    else addLazyFacts(facts, part.facts, offset + part.offset, root);
  }
}

function addLazyFacts(facts: PythonFacts, record: Facts, offset: number, root: Node): void {
  const node = (ref: Ref) => resolve(root, ref, offset);
  for (const call of record.calls) facts.calls.push(new LazyCall(call, node));
  for (const a of record.assignments) addAssignment(facts.assignments, a.name, new LazyAssignment(a, node));
  for (const a of record.augmented) addAssignment(facts.augmented, a.name, new LazyAssignment(a, node));
  facts.directives.push(...record.directives.map(node));
}

/** An assignment fact whose nodes are looked up in the current tree on first read (a class: its getters are shared, not made per fact). */
class LazyAssignment implements AssignmentFact {
  readonly name: string;
  private nodes: { value?: Node; assignment?: Node } = {};

  constructor(private readonly record: AssignmentRecord, private readonly node: (ref: Ref) => Node) {
    this.name = record.name;
  }

  get value(): Node { return (this.nodes.value ??= this.node(this.record.value)); }
  get assignment(): Node { return (this.nodes.assignment ??= this.node(this.record.assignment)); }
}

/** A call fact whose nodes are looked up in the current tree on first read. */
class LazyCall implements CallFact {
  readonly callee: string;
  private nodes: { call?: Node; receiver?: Node; args?: Node; positional?: Node[]; keywords?: Map<string, Node>; spreads?: Node[] } = {};

  constructor(private readonly record: CallRecord, private readonly node: (ref: Ref) => Node) {
    this.callee = record.callee;
  }

  get call(): Node { return (this.nodes.call ??= this.node(this.record.call)); }
  get receiver(): Node | undefined { return this.record.receiver && (this.nodes.receiver ??= this.node(this.record.receiver)); }
  get args(): Node { return (this.nodes.args ??= this.node(this.record.args)); }
  get positional(): Node[] { return (this.nodes.positional ??= this.record.positional.map(this.node)); }
  get spreads(): Node[] { return (this.nodes.spreads ??= this.record.spreads.map(this.node)); }
  get keywords(): Map<string, Node> {
    return (this.nodes.keywords ??= new Map(this.record.keywords.map(([name, ref]) => [name, this.node(ref)])));
  }
}

/** The node of `ref` in the current tree: the smallest node over its range, or the ancestor of its type over the same range. */
function resolve(root: Node, ref: Ref, offset: number): Node {
  const start = ref.start + offset;
  const end = ref.end + offset;
  for (let node = root.descendantForIndex(start, end); node && node.startIndex === start && node.endIndex === end; node = node.parent) {
    if (node.type === ref.type) return node;
  }
  throw new Error(`TrainLens: internal error: no ${ref.type} node at offsets ${start}-${end} after an edit`);
}
