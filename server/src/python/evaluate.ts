/**
 * Static evaluation of Python expressions, the way an engineer reads a script: literals, names
 * along the control flow (flow.ts), simple arithmetic and boolean logic, dict literals and
 * `dict(...)`, subscripts of those, `torch.<dtype>` names, argparse defaults (`args.batch_size`),
 * environment variables of the launch and files exec'd in place (configurator.ts), str methods
 * (string-methods.ts) and list comprehensions (comprehension.ts). Nothing is executed. Every
 * result keeps the node that set it and the chain of steps that led there.
 */
import type { Node } from 'web-tree-sitter';
import { callsNamed, type CallFact, type PythonFacts } from './facts';
import { ParameterSources } from './parameters';
import { parseScalar, type ScriptArg, type ScriptArgs } from './script-args';
import { execBindings } from './configurator';
import { cudaQuery, readEnvironment, type EvalEnvironment } from './environment';
import { NameFlow, type ExecBinding } from './flow';
import { arithmetic, compare, sequenceOp, truthy } from './operators';
import { configValue, readParserConfig, type ParserConfig } from './parser-config';
import { stringMethod, decodeEscapes } from './string-methods';
import { listComprehension } from './comprehension';

export { arithmetic, truthy } from './operators';

/** `entries`: the key's value node in the file; `given`: values read elsewhere (a mapping in a parser's config file). */
export interface PyDict { kind: 'dict'; entries: Map<string, Node>; given?: Map<string, Evaluated> }
export interface PyDtype { kind: 'dtype'; name: string }
export type PyValue = number | string | boolean | null | PyDict | PyDtype | PyValue[];

export type Evaluated =
  /** `origin`: the value was set outside this file (a launcher's command line, an exec'd config file). */
  | { ok: true; value: PyValue; node: Node; via: string[]; origin?: ScriptArg['origin'] }
  | { ok: false; reason: string; node: Node };

const MAX_DEPTH = 24;

export class Evaluator {
  private readonly params: ParameterSources;
  private readonly flow: NameFlow;
  private execs?: ExecBinding[];
  /** The config file a dataclass parser reads; null: none. */
  private parserConfig?: ParserConfig | null;
  /** Names a comprehension binds while its body is evaluated, innermost last. */
  private readonly bound: { scope: Node; name: string; value: PyValue }[] = [];

  constructor(private readonly facts: PythonFacts, private readonly args: ScriptArgs = new Map(), readonly env: EvalEnvironment = {}) {
    this.params = new ParameterSources(facts, this);
    this.flow = new NameFlow(this, facts, () => (this.execs ??= execBindings(facts, this, env)));
  }

  /** The value `name` holds at offset `pos` (the end of the file: `Infinity`), along the control flow. */
  valueAt(name: string, pos: number, anchor: Node, depth = 0): Evaluated | undefined {
    if (depth > MAX_DEPTH) return fail(anchor, 'too many indirections');
    return this.flow.valueAt(name, pos, depth);
  }

  /** A dataclass field parsed by HfArgumentParser: its command-line value or its default. */
  dataclassField(name: string): Evaluated | undefined {
    return this.params.dataclassField(name, 0);
  }

  /** `<dataclass>.<attr>` of a dataclass parser's field: declared in the script or in a library (TRL's ModelConfig). */
  parsedField(attr: string, node: Node): Evaluated | undefined {
    return this.params.dataclassField(attr, 0) ?? this.params.libraryField(attr, node);
  }

  /** A training argument's default declared by the script's own subclass of TrainingArguments. */
  scriptTrainingArgsDefault(name: string): Evaluated | undefined {
    return this.params.trainingArgsSubclassField(name);
  }

  /** `args.<dest>` of an argparse option: its command-line value or its default (undefined: no such option). */
  argparseValue(dest: string): Evaluated | undefined {
    return this.argparseDefault(dest, 0);
  }

  /** The script's command-line value for a destination, typed by `type` (argparse `type=`) or read by the parser's own rules (fire). */
  commandLine(dest: string, node: Node, type?: string | ((raw: string | true) => PyValue)): Evaluated | undefined {
    const arg = this.args.get(dest);
    if (!arg) return undefined;
    const value = typeof type === 'function' ? type(arg.raw) : parseScalar(arg.raw, type);
    return { ok: true, value, node, via: [`--${dest} ${arg.raw === true ? '' : arg.raw} on the command line (${arg.label})`.replace('  ', ' ')], ...(arg.origin ? { origin: arg.origin } : {}) };
  }

  /** A dataclass parser's field (HfArgumentParser, TrlParser): the command line, else the config file the parser reads. */
  parsedArgument(dest: string, node: Node): Evaluated | undefined {
    this.parserConfig ??= readParserConfig(this.facts, this, this.env, this.args) ?? null;
    return this.commandLine(dest, node) ?? configValue(this.parserConfig ?? undefined, dest, node);
  }

  /** Runs `fn` with `name` bound to `value` for the identifiers inside `scope` (a comprehension's loop variable). */
  withBinding<T>(scope: Node, name: string, value: PyValue, fn: () => T): T {
    this.bound.push({ scope, name, value });
    try { return fn(); } finally { this.bound.pop(); }
  }

  evaluate(node: Node, depth = 0): Evaluated {
    if (depth > MAX_DEPTH) return fail(node, 'too many indirections');
    switch (node.type) {
      case 'integer':
      case 'float': {
        const value = Number(node.text.replace(/_/g, '').replace(/[jJlL]$/, ''));
        return Number.isFinite(value) ? ok(value, node) : fail(node, `cannot read number ${node.text}`);
      }
      case 'string':
        return this.string(node, depth);
      case 'true':
        return ok(true, node);
      case 'false':
        return ok(false, node);
      case 'none':
        return ok(null, node);
      case 'parenthesized_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.evaluate(inner, depth + 1) : fail(node, 'empty parentheses');
      }
      case 'unary_operator':
        return this.unary(node, depth);
      case 'binary_operator':
        return this.binary(node, depth);
      case 'identifier':
        return this.name(node, depth);
      case 'attribute':
        return this.attribute(node, depth);
      case 'subscript':
        return this.subscript(node, depth);
      case 'dictionary':
        return ok(dictLiteral(node), node);
      case 'list':
      case 'tuple':
        return this.sequence(node, depth);
      case 'list_comprehension':
        return listComprehension(this, node, depth);
      case 'call':
        return this.call(node, depth);
      case 'comparison_operator':
        return this.comparison(node, depth);
      case 'conditional_expression':
        return this.conditional(node, depth);
      case 'boolean_operator':
        return this.boolean(node, depth);
      case 'not_operator': {
        const arg = node.childForFieldName('argument');
        const inner = arg ? this.evaluate(arg, depth + 1) : fail(node, 'incomplete expression');
        return inner.ok ? { ...inner, value: !truthy(inner.value), node } : inner;
      }
      default:
        return fail(node, `\`${clip(node.text)}\` is not a value TrainLens can read statically`);
    }
  }

  /** Evaluates, then follows the value into a dict entry (`hp["lr"]`). */
  lookup(dict: PyDict, key: string, depth = 0): Evaluated | undefined {
    const given = dict.given?.get(key);
    if (given) return given;
    const entry = dict.entries.get(key);
    return entry ? this.evaluate(entry, depth + 1) : undefined;
  }

  /** Plain strings, and f-strings whose placeholders are all readable (`f"{BASE}/llama"`). */
  private string(node: Node, depth = 0): Evaluated {
    let text = '';
    const via: string[] = [];
    const raw = /^[a-zA-Z]*[rR]/.test(node.firstChild?.text ?? '');
    for (const part of node.namedChildren) {
      if (part?.type === 'string_content') text += raw ? part.text : decodeEscapes(part.text);
      else if (part?.type === 'interpolation') {
        const expr = part.childForFieldName('expression') ?? part.namedChildren[0];
        const inner = expr ? this.evaluate(expr, depth + 1) : fail(part, 'empty placeholder');
        if (!inner.ok) return fail(node, `f-string placeholder ${part.text}: ${inner.reason}`);
        if (typeof inner.value === 'object' && inner.value !== null) return fail(node, `f-string placeholder ${part.text} is not a scalar`);
        text += String(inner.value);
        via.push(...inner.via);
      }
    }
    return { ok: true, value: text, node, via };
  }

  private unary(node: Node, depth: number): Evaluated {
    const operand = node.childForFieldName('argument');
    const op = node.childForFieldName('operator')?.text;
    if (!operand) return fail(node, 'incomplete expression');
    const inner = this.evaluate(operand, depth + 1);
    if (!inner.ok || typeof inner.value !== 'number') return inner.ok ? fail(node, 'not a number') : inner;
    return { ...inner, value: op === '-' ? -inner.value : inner.value };
  }

  private binary(node: Node, depth: number): Evaluated {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const op = node.childForFieldName('operator')?.text;
    if (!left || !right || !op) return fail(node, 'incomplete expression');
    const a = this.evaluate(left, depth + 1);
    if (!a.ok) return a;
    const b = this.evaluate(right, depth + 1);
    if (!b.ok) return b;
    if (typeof a.value !== 'number' || typeof b.value !== 'number') {
      const joined = sequenceOp(op, a.value, b.value);
      return joined === undefined ? fail(node, `\`${clip(node.text)}\` is not arithmetic on numbers`) : { ok: true, value: joined, node, via: [...a.via, ...b.via] };
    }
    const value = arithmetic(op, a.value, b.value);
    if (value === undefined) return fail(node, `operator ${op} is not evaluated`);
    return { ok: true, value, node, via: [...a.via, ...b.via, `${clip(node.text)} = ${value}`] };
  }

  /** `a and b`, `a or b`, short-circuiting as Python does (the deciding operand is the value). */
  private boolean(node: Node, depth: number): Evaluated {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const op = node.childForFieldName('operator')?.text;
    if (!left || !right) return fail(node, 'incomplete expression');
    const a = this.evaluate(left, depth + 1);
    if (!a.ok) return a;
    if (truthy(a.value) === (op === 'or')) return a;
    const b = this.evaluate(right, depth + 1);
    return b.ok ? { ...b, via: [...a.via, ...b.via] } : b;
  }

  /** `a == b` and friends, with one operator (`is not`, `not in` count as one). */
  private comparison(node: Node, depth: number): Evaluated {
    const operands = node.namedChildren.filter((c): c is Node => !!c);
    const ops = [node.children.filter((c) => c && !c.isNamed).map((c) => c!.text).join(' ')];
    if (operands.length !== 2) return fail(node, `\`${clip(node.text)}\` is not a comparison TrainLens evaluates`);
    const a = this.evaluate(operands[0], depth + 1);
    if (!a.ok) return a;
    const b = this.evaluate(operands[1], depth + 1);
    if (!b.ok) return b;
    const value = compare(ops[0], a.value, b.value);
    if (value === undefined) return fail(node, `\`${clip(node.text)}\` is not a comparison TrainLens evaluates`);
    return { ok: true, value, node, via: [...a.via, ...b.via, `${clip(node.text)} is ${value ? 'True' : 'False'}`] };
  }

  /** `a if condition else b` */
  private conditional(node: Node, depth: number): Evaluated {
    const [then, condition, otherwise] = node.namedChildren;
    if (!then || !condition || !otherwise) return fail(node, 'incomplete conditional');
    const test = this.evaluate(condition, depth + 1);
    if (!test.ok) return test;
    const chosen = this.evaluate(truthy(test.value) ? then : otherwise, depth + 1);
    return chosen.ok ? { ...chosen, via: [...test.via, ...chosen.via] } : chosen;
  }

  /** A name takes the value of its last binding before the use, along the control flow (flow.ts). */
  private name(node: Node, depth: number): Evaluated {
    for (let i = this.bound.length - 1; i >= 0; i--) {
      const b = this.bound[i];
      if (b.name === node.text && node.startIndex >= b.scope.startIndex && node.endIndex <= b.scope.endIndex) return ok(b.value, node);
    }
    return this.flow.valueAt(node.text, node.startIndex, depth) ?? this.params.parameter(node, depth)
      ?? this.env.outer?.(node.text, node, depth) ?? fail(node, `\`${node.text}\` is not assigned before this line`);
  }

  private attribute(node: Node, depth: number): Evaluated {
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text;
    if (!object || !attr) return fail(node, 'incomplete attribute');
    if (object.text === 'torch' && TORCH_DTYPES.has(attr)) return ok({ kind: 'dtype', name: TORCH_DTYPES.get(attr)! }, node);
    const fromArgparse = this.argparseDefault(attr, depth) ?? this.params.dataclassField(attr, depth) ?? this.params.libraryField(attr, node);
    if (fromArgparse) return fromArgparse;
    return fail(node, `\`${clip(node.text)}\` is set at run time`);
  }

  /** `args.batch_size` → `add_argument("--batch_size", default=...)` (or `dest="batch_size"`). */
  private argparseDefault(attr: string, depth: number): Evaluated | undefined {
    for (const call of callsNamed(this.facts, 'add_argument')) {
      const flags = call.positional.map((p) => (p.type === 'string' ? this.string(p) : undefined));
      const dest = call.keywords.get('dest')?.childForFieldName('value');
      const destName = dest ? this.evaluate(dest, depth + 1) : undefined;
      const names = flags.flatMap((f) => (f?.ok && typeof f.value === 'string' ? [f.value.replace(/^-+/, '').replace(/-/g, '_')] : []));
      const matches = destName?.ok ? destName.value === attr : names.includes(attr);
      if (!matches) continue;
      const typeName = call.keywords.get('type')?.childForFieldName('value')?.text;
      const fromCommandLine = this.commandLine(attr, call.call, typeName) ?? names.map((n) => this.commandLine(n, call.call, typeName)).find(Boolean);
      if (fromCommandLine) return fromCommandLine;
      const def = call.keywords.get('default')?.childForFieldName('value');
      if (!def) return this.flagDefault(call, attr, depth);
      const inner = this.evaluate(def, depth + 1);
      if (!inner.ok) return inner;
      return { ...inner, via: [`argparse default of --${attr} (line ${call.call.startPosition.row + 1})`, ...inner.via] };
    }
    return undefined;
  }

  /** `action="store_true"` defaults to False, `"store_false"` to True (argparse). */
  private flagDefault(call: CallFact, attr: string, depth: number): Evaluated {
    const actionNode = call.keywords.get('action')?.childForFieldName('value');
    const action = actionNode ? this.evaluate(actionNode, depth + 1) : undefined;
    const where = `argparse default of --${attr} (line ${call.call.startPosition.row + 1})`;
    if (action?.ok && action.value === 'store_true') return { ok: true, value: false, node: call.call, via: [where] };
    if (action?.ok && action.value === 'store_false') return { ok: true, value: true, node: call.call, via: [where] };
    return fail(call.call, `--${attr} has no default and is set on the command line`);
  }

  private subscript(node: Node, depth: number): Evaluated {
    const value = node.childForFieldName('value');
    const index = node.childForFieldName('subscript');
    if (!value || !index) return fail(node, 'incomplete subscript');
    if (value.text === 'os.environ' || value.text === 'environ') return readEnvironment(this, this.env, index, undefined, node, depth);
    const container = this.evaluate(value, depth + 1);
    if (!container.ok) return container;
    const key = this.evaluate(index, depth + 1);
    if (!key.ok) return key;
    if (isDict(container.value) && typeof key.value === 'string') {
      const entry = this.lookup(container.value, key.value, depth);
      if (!entry) return fail(node, `key "${key.value}" is not in the dict`);
      return entry.ok ? { ...entry, via: [...container.via, ...entry.via] } : entry;
    }
    if (Array.isArray(container.value) && typeof key.value === 'number') {
      const item = container.value[key.value];
      return item === undefined ? fail(node, 'index out of range') : ok(item, node);
    }
    return fail(node, `\`${clip(node.text)}\` is not a lookup TrainLens can follow`);
  }

  private sequence(node: Node, depth: number): Evaluated {
    const items: PyValue[] = [];
    for (const child of node.namedChildren) {
      if (!child || child.type === 'comment') continue;
      const item = this.evaluate(child, depth + 1);
      if (!item.ok) return item;
      items.push(item.value);
    }
    return ok(items, node);
  }

  /** `dict(a=1, **other)` is a dict and `getattr(torch, "bfloat16")` a dtype; other calls are run-time values. */
  private call(node: Node, depth: number): Evaluated {
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    const [first, second] = args?.namedChildren ?? [];
    if (fn?.text === 'getattr' && first?.text === 'torch' && second) {
      const name = this.evaluate(second, depth + 1);
      if (name.ok && typeof name.value === 'string' && TORCH_DTYPES.has(name.value)) {
        return { ...name, value: { kind: 'dtype', name: TORCH_DTYPES.get(name.value)! }, node };
      }
      return name.ok ? fail(node, `torch.${String(name.value)} is not a dtype`) : name;
    }
    const wrapped = this.params.wrapperCall(node, depth) ?? cudaQuery(this.env, node, fn?.text) ?? stringMethod(this, node, depth);
    if (wrapped) return wrapped;
    if (fn?.text !== 'dict' || !args) return fail(node, `\`${clip(node.text)}\` is computed at run time`);
    const entries = new Map<string, Node>();
    for (const child of args.namedChildren) {
      const name = child?.type === 'keyword_argument' ? child.childForFieldName('name') : null;
      const value = child?.childForFieldName('value');
      if (name && value) entries.set(name.text, value);
    }
    return ok({ kind: 'dict', entries }, node);
  }
}

/** Marks a step of a derivation that TrainLens assumes (a setting stands in for the machine): the value is then assumed, not known. */
const ASSUMED = 'assumed: ';

export function assumedStep(text: string): string {
  return `${ASSUMED}${text}`;
}

export function hasAssumedStep(via: readonly string[]): boolean {
  return via.some((step) => step.startsWith(ASSUMED));
}

export function isDict(v: PyValue): v is PyDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'dict';
}

export function isDtype(v: PyValue): v is PyDtype {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'dtype';
}

function dictLiteral(node: Node): PyDict {
  const entries = new Map<string, Node>();
  for (const pair of node.namedChildren) {
    if (pair?.type !== 'pair') continue;
    const key = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    const text = key?.type === 'string' ? key.namedChildren.find((c) => c?.type === 'string_content')?.text : undefined;
    if (text !== undefined && value) entries.set(text, value);
  }
  return { kind: 'dict', entries };
}

const TORCH_DTYPES = new Map([
  ['float32', 'float32'], ['float', 'float32'], ['float16', 'float16'], ['half', 'float16'],
  ['bfloat16', 'bfloat16'], ['int8', 'int8'], ['uint8', 'uint8'],
]);

function ok(value: PyValue, node: Node): Evaluated {
  return { ok: true, value, node, via: [] };
}

function fail(node: Node, reason: string): Evaluated {
  return { ok: false, reason, node };
}

export function clip(text: string, max = 40): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
