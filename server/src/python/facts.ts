/**
 * Facts of a Python file: the calls, assignments and TrainLens directives that tree-sitter queries
 * find, with their nodes (valid while the tree lives). No interpretation happens here.
 */
import type { Node, Query, QueryOptions, Tree } from 'web-tree-sitter';
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

/** The facts inside one node (a whole module, or one statement of it); `options` can carry a time budget. */
export function factsOfQueries(node: Node, queries: QueryStore, options: QueryOptions = {}): PythonFacts {
  const calls: CallFact[] = [];
  for (const match of queries.get('python', 'calls').matches(node, options)) {
    const byName = (n: string) => match.captures.find((c) => c.name === n)?.node;
    const call = byName('call');
    const callee = byName('callee');
    const args = byName('args');
    if (!call || !callee || !args) continue;
    calls.push({ call, callee: callee.text, receiver: byName('receiver') ?? undefined, args, ...splitArguments(args) });
  }

  const assignments = assignmentsOf(queries.get('python', 'assignments'), node, options);
  const augmented = assignmentsOf(queries.get('python', 'augmented'), node, options);
  const directives = queries.get('python', 'directives').captures(node, options).map((c) => c.node);
  return { calls, assignments, augmented, directives };
}

/** The @name = @value matches of an assignment query, by name, in document order. */
function assignmentsOf(query: Query, node: Node, options: QueryOptions): Map<string, AssignmentFact[]> {
  const assignments = new Map<string, AssignmentFact[]>();
  for (const match of query.matches(node, options)) {
    const name = match.captures.find((c) => c.name === 'name')?.node;
    const value = match.captures.find((c) => c.name === 'value')?.node;
    const assignment = match.captures.find((c) => c.name === 'assignment')?.node;
    if (!name || !value || !assignment) continue;
    const list = assignments.get(name.text) ?? [];
    list.push({ name: name.text, value, assignment });
    assignments.set(name.text, list);
  }
  for (const list of assignments.values()) list.sort((a, b) => a.assignment.startIndex - b.assignment.startIndex);
  return assignments;
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

/** Calls whose callee's last name is one of `names`, in document order. */
export function callsNamed(facts: PythonFacts, ...names: string[]): CallFact[] {
  return facts.calls.filter((c) => names.includes(c.callee)).sort((a, b) => a.call.startIndex - b.call.startIndex);
}
