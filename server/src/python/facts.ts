/**
 * Facts of a Python file: the calls, assignments and TrainLens directives that tree-sitter queries
 * find, with their nodes (valid while the tree lives). No interpretation happens here.
 */
import type { Node, QueryOptions, Tree } from 'web-tree-sitter';
import type { QueryStore } from '../parsing/queries';

export interface CallFact {
  call: Node;
  /** Last name of the callee: "from_pretrained" for `AutoModel.from_pretrained(...)`. */
  callee: string;
  /** What the callee is an attribute of (`AutoModel`), if dotted. */
  receiver?: Node;
  args: Node;
  positional: Node[];
  /** Keyword arguments written in the call, by name, with the `keyword_argument` node. */
  keywords: Map<string, Node>;
  /** `**mapping` arguments, in order. */
  spreads: Node[];
}

export interface AssignmentFact { name: string; value: Node; assignment: Node }

export interface PythonFacts {
  calls: CallFact[];
  /** Assignments by name, in document order. */
  assignments: Map<string, AssignmentFact[]>;
  /** Augmented assignment statements to a name (`x //= n`), by name, in document order; `assignment` is the augmented_assignment. */
  augmented: Map<string, AssignmentFact[]>;
  directives: Node[];
}

export function extractPythonFacts(tree: Tree, queries: QueryStore): PythonFacts {
  return factsOfQueries(tree.rootNode, queries);
}

/**
 * The facts inside one node (a whole module, or one statement of it); `options` can carry a time budget. One query
 * (facts.scm) finds them all: each match is told apart by its captures, in one walk of the node.
 */
export function factsOfQueries(node: Node, queries: QueryStore, options: QueryOptions = {}): PythonFacts {
  const facts: PythonFacts = { calls: [], assignments: new Map(), augmented: new Map(), directives: [] };
  for (const { captures } of queries.get('python', 'facts').matches(node, options)) {
    const byName = (n: string) => captures.find((c) => c.name === n)?.node;
    const directive = byName('directive');
    if (directive) {
      facts.directives.push(directive);
      continue;
    }
    const call = byName('call');
    if (call) {
      const callee = byName('callee');
      const args = byName('args');
      if (callee && args) facts.calls.push({ call, callee: callee.text, receiver: byName('receiver') ?? undefined, args, ...splitArguments(args) });
      continue;
    }
    const augmented = byName('augmented');
    const assignment = augmented ?? byName('assignment');
    const name = byName('name');
    const value = byName('value');
    if (assignment && name && value) addByName(augmented ? facts.augmented : facts.assignments, { name: name.text, value, assignment });
  }
  return facts;
}

/** Matches come in document order (of their first node), so each list stays in document order. */
function addByName(byName: Map<string, AssignmentFact[]>, fact: AssignmentFact): void {
  const list = byName.get(fact.name);
  if (list) list.push(fact);
  else byName.set(fact.name, [fact]);
}

function splitArguments(args: Node): Pick<CallFact, 'positional' | 'keywords' | 'spreads'> {
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  const spreads: Node[] = [];
  for (const child of args.namedChildren) {
    if (!child) continue;
    if (child.type === 'keyword_argument') {
      const name = child.childForFieldName('name');
      if (name) keywords.set(name.text, child);
    } else if (child.type === 'dictionary_splat') {
      const inner = child.namedChildren[0];
      if (inner) spreads.push(inner);
    } else if (child.type !== 'comment' && child.type !== 'list_splat') {
      positional.push(child);
    }
  }
  return { positional, keywords, spreads };
}

/**
 * Calls whose callee's last name is one of `names`, in document order (ties, such as `m.half().to(d)`, in the order of
 * `facts.calls`). Served from an index of the calls by callee name: an analysis looks calls up by name dozens
 * of times, and once more per other launcher of the script, over the same facts.
 */
export function callsNamed(facts: PythonFacts, ...names: string[]): readonly CallFact[] {
  const { calls } = facts;
  const index = calleeIndexOf(calls);
  const key = names.join('\u0000');
  let found = index.found.get(key);
  if (!found) {
    // Only the calls of these names are sorted: a lazily extracted call finds its node on the first read of `call`.
    found = [...new Set(names)].flatMap((name) => index.byCallee.get(name) ?? [])
      .map((at) => ({ at, start: calls[at].call.startIndex }))
      .sort((a, b) => a.start - b.start || a.at - b.at)
      .map(({ at }) => calls[at]);
    index.found.set(key, found);
  }
  return found;
}

/** A calls list's positions by callee name (in list order, reading no node), and the lookups answered from it. */
interface CalleeIndex {
  size: number;
  byCallee: Map<string, number[]>;
  found: Map<string, readonly CallFact[]>;
}

/** Keyed by the list, not the facts object: the index lives exactly as long as the calls it holds. */
const calleeIndexes = new WeakMap<CallFact[], CalleeIndex>();

/**
 * Facts lists are only appended to while they are assembled (factsOfQueries, statement-facts.ts), before any
 * lookup; an index built earlier than an append is still told by its size and rebuilt.
 */
function calleeIndexOf(calls: CallFact[]): CalleeIndex {
  const known = calleeIndexes.get(calls);
  if (known?.size === calls.length) return known;
  const byCallee = new Map<string, number[]>();
  for (let at = 0; at < calls.length; at++) {
    const group = byCallee.get(calls[at].callee);
    if (group) group.push(at);
    else byCallee.set(calls[at].callee, [at]);
  }
  const index = { size: calls.length, byCallee, found: new Map<string, readonly CallFact[]>() };
  calleeIndexes.set(calls, index);
  return index;
}
