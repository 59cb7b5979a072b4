/**
 * Files a script runs in place with `exec(open(path).read())`, read statically. A plain file
 * rebinds the names it assigns, evaluated like the script itself. nanoGPT's configurator.py
 * (recognised by what it does: loop over `sys.argv[1:]`, exec each bare argument as a file, set
 * `--key=value` through `literal_eval` into `globals()`) is read with the script's command line from
 * its launcher: each config file named there rebinds what it assigns, each `--key=value` sets one
 * name, later arguments winning. Anything not understood makes the names it could touch unknown.
 */
import { basename, relative, sep } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { callsNamed, type PythonFacts } from './facts';
import { clip, Evaluator, type Evaluated, type PyValue } from './evaluate';
import type { EvalEnvironment } from './environment';
import type { ExecBinding } from './flow';
import type { ModuleRead, PythonModule } from './modules';

/** Files exec'd inside files exec'd...: a bound against a config that execs itself. */
const MAX_EXEC_NESTING = 3;

type Arg = { word: string; module: PythonModule } | { word: string; key: string; value: PyValue };

export function execBindings(facts: PythonFacts, ev: Evaluator, env: EvalEnvironment): ExecBinding[] {
  const out: ExecBinding[] = [];
  for (const call of callsNamed(facts, 'exec')) {
    const pathNode = execedPath(call.positional[0]);
    if (!pathNode) continue;
    const at = call.call;
    const path = ev.evaluate(pathNode);
    const read: ModuleRead = !path.ok ? { ok: false, reason: path.reason }
      : typeof path.value !== 'string' ? { ok: false, reason: `\`${clip(pathNode.text)}\` is not a path` }
      : (env.execDepth ?? 0) >= MAX_EXEC_NESTING ? { ok: false, reason: 'files exec\'d too deeply' }
      : env.modules?.read(env.files, path.value, env.uri ?? '') ?? { ok: false, reason: `${path.value} is not read` };
    if (!read.ok) {
      out.push(unreadable(at, `exec(open(${clip(pathNode.text)}).read()) at line ${line(at)}: ${read.reason}`));
    } else if (isNanoGptConfigurator(read.text)) {
      out.push(configurator(at, ev, env, read));
    } else {
      const outer = (n: string, _node: Node, depth: number) => ev.valueAt(n, at.startIndex, at, depth);
      out.push({ at, names: boundNames(read.facts), value: (name, _before, depth) => fromFile(read, name, env, outer, depth, `${relativeLabel(read, env)} exec'd at line ${line(at)}`) });
    }
  }
  return out;
}

/** `open(p).read()` or `Path(p).read_text()`: the path expression. */
function execedPath(arg: Node | undefined): Node | undefined {
  const fn = arg?.type === 'call' ? arg.childForFieldName('function') : undefined;
  const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  const method = fn?.childForFieldName('attribute')?.text;
  if (object?.type !== 'call') return undefined;
  const opener = object.childForFieldName('function')?.text;
  const first = object.childForFieldName('arguments')?.namedChildren[0];
  const ok = (opener === 'open' && method === 'read') || (/^(pathlib\.)?Path$/.test(opener ?? '') && method === 'read_text');
  return ok && first && first.type !== 'keyword_argument' ? first : undefined;
}

/** What nanoGPT's configurator.py does, by its operations rather than its name. */
function isNanoGptConfigurator(text: string): boolean {
  return /sys\.argv\[1:\]/.test(text) && /exec\(open\(/.test(text) && /literal_eval/.test(text) && /globals\(\)\[/.test(text);
}

function configurator(at: Node, ev: Evaluator, env: EvalEnvironment, self: PythonModule): ExecBinding {
  const argv = env.argv;
  // No launcher: the script's defaults, as `python train.py` with no arguments runs it.
  if (!argv) return { at, names: new Set(), value: () => undefined };
  const args: Arg[] = [];
  for (const word of argv.words) {
    if (!word.includes('=')) {
      if (word.startsWith('--')) return unreadable(at, `configurator.py rejects \`${word}\` on the command line (${argv.label}): it takes --key=value`);
      const read = env.modules?.read(env.files, word, argv.fromUri ?? env.uri ?? '') ?? { ok: false as const, reason: 'not read' };
      if (!read.ok) return unreadable(at, `config file ${word} on the command line (${argv.label}): ${read.reason}`);
      args.push({ word, module: read });
    } else if (word.startsWith('--')) {
      const [key, raw, extra] = word.slice(2).split('=');
      if (extra !== undefined) return unreadable(at, `configurator.py cannot split \`${word}\` (${argv.label})`);
      args.push({ word, key, value: literal(raw) });
    }
  }
  const names = new Set(args.flatMap((a) => ('key' in a ? [a.key] : [...boundNames(a.module.facts)])));
  const parentValue = (n: string, depth: number) => ev.valueAt(n, at.startIndex, at, depth);
  /** The value of `name` after the first `k + 1` arguments. */
  const after = (name: string, k: number, before: () => Evaluated | undefined, depth: number): Evaluated | undefined => {
    for (let i = k; i >= 0; i--) {
      const arg = args[i];
      if ('key' in arg) {
        if (arg.key !== name) continue;
        const via = `${arg.word} on the command line (${argv.label}), read by ${relativeLabel(self, env)}`;
        return { ok: true, value: arg.value, node: at, via: [via], ...(argv.origin ? { origin: argv.origin } : {}) };
      }
      if (!boundNames(arg.module.facts).has(name)) continue;
      const outer = (n: string, _node: Node, d: number) => (n === name ? after(n, i - 1, before, d) : after(n, i - 1, () => parentValue(n, d), d));
      return fromFile(arg.module, name, env, outer, depth, `${arg.word} on the command line (${argv.label}), run by ${relativeLabel(self, env)}`);
    }
    return before();
  };
  return { at, names, value: (name, before, depth) => after(name, args.length - 1, before, depth) };
}

/** `name` at the end of an exec'd file, its other names read through `outer`; provenance in that file. */
function fromFile(module: PythonModule, name: string, env: EvalEnvironment, outer: EvalEnvironment['outer'], depth: number, label: string): Evaluated | undefined {
  const child = new Evaluator(module.facts, new Map(), { ...env, uri: module.uri, outer, execDepth: (env.execDepth ?? 0) + 1 });
  const result = child.valueAt(name, Infinity, module.tree.rootNode, depth + 1);
  if (!result?.ok) return result;
  const inFile = result.node.tree === module.tree;
  const origin = result.origin ?? (inFile ? { file: module.uri, range: rangeOfNode(result.node) } : undefined);
  return { ...result, via: [label, ...result.via], ...(origin ? { origin } : {}) };
}

/** Names a file assigns outside functions and classes (what running it at module level rebinds). */
function boundNames(facts: PythonFacts): Set<string> {
  const names = new Set<string>();
  for (const [name, list] of facts.assignments) {
    if (!name.includes('.') && list.some((a) => atModuleLevel(a.assignment))) names.add(name);
  }
  return names;
}

function atModuleLevel(node: Node): boolean {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'function_definition' || n.type === 'class_definition') return false;
  return true;
}

function unreadable(at: Node, reason: string): ExecBinding {
  return { at, names: null, value: () => ({ ok: false, reason, node: at }) };
}

/** `ast.literal_eval` on a command-line value, or the text itself when it is not a literal (configurator.py). */
function literal(raw: string): PyValue {
  if (/^[+-]?\d+$/.test(raw)) return Number(raw);
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'True' || raw === 'False') return raw === 'True';
  if (raw === 'None') return null;
  const quoted = /^(['"])(.*)\1$/.exec(raw);
  return quoted ? quoted[2] : raw;
}

function relativeLabel(module: PythonModule, env: EvalEnvironment): string {
  const root = env.files?.roots.find((r) => module.path.startsWith(r + sep));
  return root ? relative(root, module.path) : basename(module.path);
}

function rangeOfNode(node: Node) {
  return { start: { line: node.startPosition.row, character: node.startPosition.column }, end: { line: node.endPosition.row, character: node.endPosition.column } };
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}
