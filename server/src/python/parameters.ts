/**
 * Values that come from how a script is called rather than from assignments: function parameters
 * (what the file's calls of the function pass, else the default; `fire.Fire(fn)` / click options,
 * which the command line can override), dataclass fields parsed by HfArgumentParser, TrlParser or
 * H4ArgumentParser (command line, the parser's config file, TRL's ModelConfig defaults), and thin
 * wrappers around a value (`int(x)`, `field(default=x)`, `os.environ.get("K", default)`).
 */
import type { Node } from 'web-tree-sitter';
import { callsNamed, type PythonFacts } from './facts';
import { clip, type Evaluated, type Evaluator, type PyValue } from './evaluate';
import { within } from './local-classes';
import { readEnvironment } from './environment';
import { argKey, parseFireValue } from './script-args';
import { DATACLASS_PARSERS } from './parser-config';
import { trlModelConfigDefault } from './trl-model-config';

/** Calls that read an environment variable: `os.environ.get("K", d)`, `os.getenv("K", d)` (and `from os import ...` spellings). */
const ENV_READS = new Set(['os.environ.get', 'os.getenv', 'environ.get', 'getenv']);

const CASTS: Record<string, (v: unknown) => unknown> = {
  // Python's int() of a str takes a sign, underscores between digits and surrounding whitespace.
  int: (v) => (typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(v) ? Number(v.replace(/_/g, '')) : undefined),
  float: (v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined),
  str: (v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined),
};

export class ParameterSources {
  constructor(private readonly facts: PythonFacts, private readonly ev: Evaluator) {}

  /** An identifier that names a parameter of an enclosing function. */
  parameter(node: Node, depth: number): Evaluated | undefined {
    for (let fn = node.parent; fn; fn = fn.parent) {
      if (fn.type !== 'function_definition') continue;
      const fnName = fn.childForFieldName('name')?.text ?? '?';
      for (const [index, p] of parametersOf(fn).entries()) {
        if (parameterName(p) !== node.text) continue;
        const entry = this.commandLineEntry(fn, fnName);
        if (entry) {
          const cli = this.ev.commandLine(node.text, p, entry === 'fire' ? parseFireValue : undefined);
          if (cli) return cli;
        }
        const passed = this.callSiteArgument(fn, fnName, index, p, node, depth);
        if (passed) return passed;
        const value = p.childForFieldName('value');
        if (value) return prefixed(this.ev.evaluate(value, depth + 1), `default of parameter ${node.text} of ${fnName}()`);
        return this.clickOption(fn, node.text, depth) ?? this.spawnArgument(fnName, index, node, depth)
          ?? { ok: false, reason: `\`${node.text}\` is a parameter of ${fnName}() without a default`, node };
      }
    }
    return undefined;
  }

  /** `args.max_seq_length` where a dataclass declares `max_seq_length: int = field(default=...)`. */
  dataclassField(attr: string, depth: number): Evaluated | undefined {
    const declared = (this.facts.assignments.get(attr) ?? []).find((a) => enclosingClass(a.assignment));
    if (!declared) return undefined;
    const cls = enclosingClass(declared.assignment)!.childForFieldName('name')?.text ?? '?';
    if (callsNamed(this.facts, ...DATACLASS_PARSERS).length > 0) {
      const cli = this.ev.parsedArgument(attr, declared.assignment);
      if (cli) return cli;
    }
    return prefixed(this.ev.evaluate(declared.value, depth + 1), `default of ${cls}.${attr}`);
  }

  /**
   * A field the script's own subclass of TrainingArguments (or a TRL config) declares with a default
   * (`class TrainingArguments(transformers.TrainingArguments): optim: str = field(default="adamw_torch")`,
   * the Alpaca and FastChat scripts): that default replaces the library's.
   */
  trainingArgsSubclassField(attr: string): Evaluated | undefined {
    const declared = (this.facts.assignments.get(attr) ?? []).find((a) => {
      const bases = enclosingClass(a.assignment)?.childForFieldName('superclasses')?.text ?? '';
      return /\b(TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|ORPOConfig|KTOConfig)\b/.test(bases);
    });
    if (!declared) return undefined;
    const cls = enclosingClass(declared.assignment)!.childForFieldName('name')?.text ?? '?';
    return prefixed(this.ev.evaluate(declared.value, 1), `default of ${cls}.${attr}, the script's subclass`);
  }

  /**
   * `model_args.lora_r` where the field belongs to a dataclass the script imports (TRL's ModelConfig,
   * SFTConfig, TrainingArguments) and a dataclass parser fills it: the command line or the parser's config
   * file, else TRL's ModelConfig default (trl-model-config.ts).
   */
  libraryField(attr: string, node: Node): Evaluated | undefined {
    const parser = callsNamed(this.facts, ...DATACLASS_PARSERS)[0];
    if (!parser) return undefined;
    return this.ev.parsedArgument(attr, node) ?? trlModelConfigDefault(parser, attr, node);
  }

  /** `int(x)`, `float(x)`, `str(x)`, `field(default=x)`, environment variables (environment.ts). */
  wrapperCall(node: Node, depth: number): Evaluated | undefined {
    const fn = node.childForFieldName('function')?.text;
    const args = node.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c) ?? [];
    if (fn && CASTS[fn] && args.length === 1) {
      const inner = this.ev.evaluate(args[0], depth + 1);
      if (!inner.ok) return inner;
      const value = CASTS[fn](inner.value);
      return value === undefined ? { ok: false, reason: `${fn}(${String(inner.value)}) cannot be evaluated`, node } : { ...inner, value: value as number | string };
    }
    if (fn === 'field' || fn === 'dataclasses.field') {
      const def = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'default')?.childForFieldName('value');
      return def ? this.ev.evaluate(def, depth + 1) : { ok: false, reason: 'dataclass field without a default', node };
    }
    if (fn && ENV_READS.has(fn) && args.length >= 1 && args[0].type !== 'keyword_argument') {
      return readEnvironment(this.ev, this.ev.env, args[0], args[1]?.type === 'keyword_argument' ? args[1].childForFieldName('value') ?? undefined : args[1], node, depth);
    }
    return undefined;
  }

  /**
   * A module-level function's parameter where the file calls the function by name (`training_function(config, args)`,
   * accelerate's example scripts): the value every call passes, read at the call (a call that leaves it out
   * passes the default). Undefined when no call passes it, or a call leaves out a parameter without a default;
   * a failure when calls pass different values or one cannot be matched to the parameter (`f(*xs)`, `f(**kw)`).
   * Methods and decorated functions (click, hydra) are left out: their callers are not the calls by name.
   */
  private callSiteArgument(fn: Node, fnName: string, index: number, param: Node, node: Node, depth: number): Evaluated | undefined {
    if (enclosingClass(fn) || decorators(fn).length) return undefined;
    const calls = callsNamed(this.facts, fnName).filter((c) => !c.receiver && !within(c.call, fn));
    const positionalUpTo = parametersOf(fn).findIndex((q) => q.type === 'list_splat_pattern' || q.type === 'keyword_separator' || q.type === 'dictionary_splat_pattern');
    const byPosition = positionalUpTo === -1 || index < positionalUpTo;
    const values: Evaluated[] = [];
    let passedAnywhere = false;
    for (const call of calls) {
      const args = call.args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
      if (args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) {
        return { ok: false, reason: `\`${node.text}\` is passed to ${fnName}() at line ${call.call.startPosition.row + 1} through *args/**kwargs`, node };
      }
      const arg = call.keywords.get(node.text)?.childForFieldName('value') ?? (byPosition ? call.positional[index] : undefined);
      const def = param.childForFieldName('value');
      // Left out without a default: something other than this call supplies it.
      if (!arg && !def) return undefined;
      passedAnywhere ||= !!arg;
      const value = arg
        ? prefixed(this.ev.evaluate(arg, depth + 1), `\`${node.text}\` = ${clip(arg.text)} passed by ${fnName}(...) at line ${call.call.startPosition.row + 1}`)
        : prefixed(this.ev.evaluate(def!, depth + 1), `default of parameter ${node.text} of ${fnName}()`);
      if (!value.ok) return value;
      values.push(value);
    }
    if (!passedAnywhere) return undefined;
    const differ = values.find((v) => v.ok && JSON.stringify(plain(v.value)) !== JSON.stringify(plain((values[0] as typeof v).value)));
    return differ ? { ok: false, reason: `${fnName}() is called with different values of \`${node.text}\``, node } : values[0];
  }

  /** `fire.Fire(fn)` / `Fire(fn)`, or a click command: the command line sets the parameters. */
  private commandLineEntry(fn: Node, fnName: string): 'fire' | 'click' | undefined {
    if (callsNamed(this.facts, 'Fire').some((c) => c.positional[0]?.text === fnName)) return 'fire';
    return decorators(fn).some((d) => /click\.(command|option)|^(command|option)\(/.test(d.text.replace(/^@/, ''))) ? 'click' : undefined;
  }

  /**
   * `mp.spawn(main, args=(world_size,), nprocs=n)` runs `main(rank, *args)` in each process
   * (torch.multiprocessing.spawn): parameter 0 is the process index, the others the `args` tuple.
   */
  private spawnArgument(fnName: string, index: number, node: Node, depth: number): Evaluated | undefined {
    const spawn = callsNamed(this.facts, 'spawn', 'start_processes').find((c) => (c.positional[0] ?? c.keywords.get('fn')?.childForFieldName('value'))?.text === fnName);
    if (!spawn) return undefined;
    const where = `${spawn.receiver ? `${spawn.receiver.text}.` : ''}${spawn.callee}(${fnName}, ...) at line ${spawn.call.startPosition.row + 1}`;
    if (index === 0) return { ok: false, reason: `\`${node.text}\` is the process index that ${where} passes`, node };
    const args = spawn.keywords.get('args')?.childForFieldName('value') ?? spawn.positional[1];
    const item = args?.type === 'tuple' ? args.namedChildren.filter((c) => c?.type !== 'comment')[index - 1] : undefined;
    if (!item) return { ok: false, reason: `\`${node.text}\` is argument ${index} of ${fnName}(), not read from ${where}`, node };
    return prefixed(this.ev.evaluate(item, depth + 1), `\`${node.text}\` = ${item.text} passed by ${where}`);
  }

  /**
   * `@click.option("--batch-size", default=8)` on the function. A boolean switch declares its off
   * name after a slash (`"--grad-ckpt/--no-grad-ckpt"`, click's on/off flags): that name on the
   * command line sets False.
   */
  private clickOption(fn: Node, name: string, depth: number): Evaluated | undefined {
    for (const d of decorators(fn)) {
      const call = d.namedChildren.find((c) => c?.type === 'call');
      const args = call?.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c) ?? [];
      const declared = args.filter((a) => a.type === 'string').map((a) => a.text.replace(/^['"]|['"]$/g, '').split('/').map(argKey));
      if (!declared.some(([on]) => on === name)) continue;
      for (const off of declared.map(([, o]) => o).filter((o): o is string => !!o)) {
        const cli = this.ev.commandLine(off, d);
        if (cli?.ok) return { ...cli, value: false };
      }
      const def = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'default')?.childForFieldName('value');
      if (!def) return { ok: false, reason: `click option --${name} has no default`, node: d };
      return prefixed(this.ev.evaluate(def, depth + 1), `default of click option --${name}`);
    }
    return undefined;
  }
}

/** A value as JSON can compare it: a dict by the text of its entries. */
function plain(v: PyValue): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null && v.kind === 'dict') return [...v.entries].map(([k, n]) => [k, n.text]);
  return v;
}

/** A function's parameters in order; comments between them (a signature written one parameter a line) are no position. */
function parametersOf(fn: Node): Node[] {
  return (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => !!p && p.type !== 'comment');
}

function parameterName(p: Node): string | undefined {
  if (p.type === 'identifier') return p.text;
  if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') return p.childForFieldName('name')?.text;
  if (p.type === 'typed_parameter') return p.namedChildren[0]?.text;
  return undefined;
}

function enclosingClass(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'class_definition') return n;
    if (n.type === 'function_definition') return undefined;
  }
  return undefined;
}

function decorators(fn: Node): Node[] {
  const wrapper = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  return wrapper ? wrapper.namedChildren.filter((c): c is Node => c?.type === 'decorator') : [];
}

function prefixed(result: Evaluated, step: string): Evaluated {
  return result.ok ? { ...result, via: [step, ...result.via] } : result;
}
