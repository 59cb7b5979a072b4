/**
 * Argument values an HfArgumentParser or TrlParser reads from a file instead of the command line:
 * - `parser.parse_json_file(sys.argv[1])` / `parse_yaml_file(...)` (transformers hf_argparser.py): every
 *   dataclass field from one JSON or YAML file. The transformers example scripts take this branch when the
 *   command line is a single file name (`python run_clm.py args.json`), so it is read only when the launch
 *   passes exactly that, or when the call names the file as a literal.
 * - TrlParser's `parse_args_and_config()` with `--config recipe.yaml` (trl scripts/utils.py): the file's
 *   keys replace the dataclass defaults and the command line still wins.
 * - alignment-handbook's `H4ArgumentParser(...).parse()` (src/alignment/configs.py, before it moved to TrlParser):
 *   a first argument ending in `.yaml` is the recipe, and the words after it override its keys, each written
 *   `--key=value` (it splits each word at "=": another spelling stops the script).
 * Only files inside the workspace are read (WorkspaceFiles); nothing is executed.
 */
import type { Node } from 'web-tree-sitter';
import { readYamlDocument, type YamlValue } from '../launch/yaml-lite';
import { callsNamed, type PythonFacts } from './facts';
import type { EvalEnvironment } from './environment';
import type { Evaluated, Evaluator, PyValue } from './evaluate';
import type { ScriptArgs } from './script-args';

/** The parsers that read dataclass fields: their fields are named by the dataclass, not by add_argument. */
export const DATACLASS_PARSERS = ['HfArgumentParser', 'TrlParser', 'H4ArgumentParser'];

/** `values`: the file's top-level keys; `mappings`: its nested mappings of plain values (TRL's `model_init_kwargs:`); `lines`: dotted keys. */
interface ConfigValues { values: Map<string, PyValue>; mappings: Map<string, Map<string, PyValue>>; lines: Map<string, number> }

export type ParserConfig =
  | ({ ok: true; uri: string; label: string } & ConfigValues)
  | { ok: false; reason: string };

/** The config file the script's parser reads, undefined when it reads none (or the launch does not say which). */
export function readParserConfig(facts: PythonFacts, ev: Evaluator, env: EvalEnvironment, args: ScriptArgs): ParserConfig | undefined {
  if (!callsNamed(facts, ...DATACLASS_PARSERS).length) return undefined;
  const ref = fileCall(facts, ev, env) ?? trlConfigFlag(facts, args) ?? h4Recipe(facts, env);
  if (!ref) return undefined;
  if ('reason' in ref) return { ok: false, reason: ref.reason };
  const read = env.files?.read(ref.path, ref.fromUri ?? env.uri ?? '');
  if (!read?.ok) return { ok: false, reason: `config file ${ref.path} (${ref.label}) is not read: ${read?.reason ?? 'no workspace files'}` };
  const parsed = /\.json$/i.test(ref.path) ? jsonValues(read.text) : yamlValues(read.text);
  return parsed ? { ok: true, ...parsed, uri: read.uri, label: `${ref.path}, read by ${ref.label}` } : { ok: false, reason: `config file ${ref.path} (${ref.label}) cannot be parsed` };
}

/** A field's value in the config file, pointing at its line there. */
export function configValue(config: ParserConfig | undefined, dest: string, node: Node): Evaluated | undefined {
  if (!config) return undefined;
  if (!config.ok) return { ok: false, reason: config.reason, node };
  const at = (key: string, value: PyValue): Evaluated & { ok: true } => {
    const line = config.lines.get(key) ?? 0;
    const name = key.slice(key.lastIndexOf('.') + 1);
    return { ok: true, value, node, via: [`${key} in ${config.label}`], origin: { file: config.uri, range: { start: { line, character: 0 }, end: { line, character: name.length } } } };
  };
  const mapping = config.mappings.get(dest);
  if (mapping) {
    // A dict field (`model_init_kwargs:`): its entries are values of the file, each pointing at its own line.
    const given = new Map([...mapping].map(([key, value]) => [key, at(`${dest}.${key}`, value)] as const));
    return at(dest, { kind: 'dict', entries: new Map(), given });
  }
  return config.values.has(dest) ? at(dest, config.values.get(dest)!) : undefined;
}

interface FileRef { path: string; label: string; fromUri?: string }

/** `parse_json_file(os.path.abspath(sys.argv[1]))`, `parse_yaml_file("cfg.yaml")`: the launch's one file argument, or the literal. */
function fileCall(facts: PythonFacts, ev: Evaluator, env: EvalEnvironment): FileRef | undefined {
  for (const call of callsNamed(facts, 'parse_json_file', 'parse_yaml_file')) {
    let arg: Node | null | undefined = call.positional[0] ?? call.keywords.get(call.callee === 'parse_json_file' ? 'json_file' : 'yaml_file')?.childForFieldName('value');
    while (arg?.type === 'call' && /^(os\.path\.(abspath|expanduser|realpath)|Path|pathlib\.Path)$/.test(arg.childForFieldName('function')?.text ?? '')) {
      arg = arg.childForFieldName('arguments')?.namedChildren[0];
    }
    if (!arg) continue;
    const argvIndex = /^sys\.argv\[(\d+)\]$/.exec(arg.text.replace(/\s+/g, ''));
    if (argvIndex) {
      const words = env.argv?.words ?? [];
      const word = words[Number(argvIndex[1]) - 1];
      // The file branch runs when the command line is one file name; flags mean the command-line branch.
      if (words.length === 1 && word && !word.startsWith('-') && /\.(json|ya?ml)$/i.test(word)) return { path: word, label: env.argv!.label, fromUri: env.argv!.fromUri };
      continue;
    }
    const literal = ev.evaluate(arg);
    if (literal.ok && typeof literal.value === 'string') return { path: literal.value, label: `${call.callee}() at line ${call.call.startPosition.row + 1}` };
  }
  return undefined;
}

function trlConfigFlag(facts: PythonFacts, args: ScriptArgs): FileRef | undefined {
  if (!callsNamed(facts, 'parse_args_and_config').length) return undefined;
  const flag = args.get('config');
  return flag && flag.raw !== true ? { path: flag.raw, label: `--config on the command line (${flag.label})`, fromUri: flag.origin?.file } : undefined;
}

/** `H4ArgumentParser(...).parse()` launched as `run_sft.py recipe.yaml --key=value ...`. */
function h4Recipe(facts: PythonFacts, env: EvalEnvironment): FileRef | { reason: string } | undefined {
  if (!callsNamed(facts, 'H4ArgumentParser').length || !callsNamed(facts, 'parse').some((c) => c.receiver && !c.positional.length)) return undefined;
  const [recipe, ...overrides] = env.argv?.words ?? [];
  if (!recipe?.endsWith('.yaml')) return undefined;
  const label = `H4ArgumentParser.parse() of ${env.argv!.label}`;
  const bad = overrides.find((w) => !/^--?[\w.-]+=/.test(w));
  if (bad) return { reason: `H4ArgumentParser.parse() reads the words after ${recipe} only as --key=value, and \`${bad}\` (${env.argv!.label}) stops the script` };
  return { path: recipe, label, fromUri: env.argv!.fromUri };
}

function jsonValues(text: string): ConfigValues | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return undefined;
  const lines = new Map<string, number>();
  const rows = text.split(/\r?\n/);
  // Each key's line: the first row naming it after its parent's row.
  const line = (key: string, after = -1) => {
    const row = rows.findIndex((r, i) => i > after && r.includes(`"${key.slice(key.lastIndexOf('.') + 1)}"`));
    if (row >= 0) lines.set(key, row);
    return row;
  };
  const read = fieldValues(root as Record<string, unknown>, (v) => v);
  for (const key of read.values.keys()) line(key);
  for (const [key, mapping] of read.mappings) {
    const row = line(key);
    for (const inner of mapping.keys()) line(`${key}.${inner}`, row);
  }
  return { ...read, lines };
}

function yamlValues(text: string): ConfigValues {
  const { root, lines } = readYamlDocument(text);
  return { ...fieldValues(root, (v) => flowSequence(v as YamlValue)), lines };
}

/** Top-level plain values, and mappings one level deep of plain values (deeper ones are not dataclass fields TrainLens reads). */
function fieldValues(root: Record<string, unknown>, prepare: (v: unknown) => unknown): Omit<ConfigValues, 'lines'> {
  const values = new Map<string, PyValue>();
  const mappings = new Map<string, Map<string, PyValue>>();
  for (const [key, value] of Object.entries(root)) {
    const read = plainValue(prepare(value));
    if (read !== undefined) values.set(key, read);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const entries = Object.entries(value).flatMap(([k, v]) => {
        const inner = plainValue(prepare(v));
        return inner === undefined ? [] : [[k, inner] as const];
      });
      // `key:` with nothing under it is None in YAML, not an empty mapping.
      if (entries.length) mappings.set(key, new Map(entries));
    }
  }
  return { values, mappings };
}

/** `[q_proj, v_proj]`, which yaml-lite keeps as text: a list of plain words or numbers. */
function flowSequence(value: YamlValue): YamlValue {
  if (typeof value !== 'string' || !/^\[.*\]$/.test(value.trim())) return value;
  const inner = value.trim().slice(1, -1).trim();
  if (!inner) return [];
  return inner.split(',').map((w) => {
    const t = w.trim().replace(/^(['"])(.*)\1$/, '$2');
    return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
  });
}

/** Scalars and lists of scalars. */
function plainValue(value: unknown): PyValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) return value as PyValue[];
  return undefined;
}
