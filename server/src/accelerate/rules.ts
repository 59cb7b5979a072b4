/**
 * Findings in an accelerate config file, on the exact key or value, quoting accelerate's own
 * errors (accelerate/commands/config/config_args.py, accelerate/utils/dataclasses.py; see
 * ../shared/reference/domain-rules.md §1.8 and §3.3).
 */
import type { Gpu } from '../../../estimator/src/types';
import type { EditFix, Finding, Range, Severity } from '../analysis/types';
import { interpretDeepSpeedConfig, type DeepSpeedSettings } from '../deepspeed/interpret';
import { memberOf, plainValue, readJsonTree, type JsonDocument, type JsonMember, type JsonNode } from '../deepspeed/json-tree';
import { deleteMember, rangeAt, replaceSpan } from '../deepspeed/edits';
import { valueProblem } from '../deepspeed/rules';
import { didYouMean, type KeySpec } from '../deepspeed/schema';
import type { WorkspaceFiles } from '../workspace/files';
import type { Parser } from 'web-tree-sitter';
import { ACCELERATE_TOP, DEEPSPEED_INLINE_KEYS } from './schema';

export const ACCELERATE_CODES = {
  /** Not valid YAML. */
  AC001: 'error',
  /** Unknown top-level key: accelerate raises ValueError. */
  AC002: 'error',
  /** Wrong type or a value accelerate does not accept. */
  AC003: 'error',
  /** distributed_type missing. */
  AC004: 'error',
  /** deepspeed_config_file cannot be read. */
  AC005: 'error',
  /** deepspeed_config_file together with DeepSpeed keys set here. */
  AC006: 'error',
  /** mixed_precision disagrees with the DeepSpeed config file's fp16/bf16. */
  AC007: 'error',
  /** bf16 on a GPU without bf16. */
  AC008: 'error',
  /** Unknown key inside deepspeed_config / fsdp_config: ignored. */
  AC009: 'warning',
  /** A legacy key accelerate converts (fp16, dynamo_backend). */
  AC010: 'warning',
  /** The job of a script launched with this file does not fit the GPU. */
  AC011: 'error',
} as const satisfies Record<string, Severity>;

export type AccelerateCode = keyof typeof ACCELERATE_CODES;

export function acFinding(code: AccelerateCode, range: Range, message: string, fixIds?: string[]): Finding {
  return { code, severity: ACCELERATE_CODES[code], message, range, ...(fixIds?.length ? { fixIds } : {}) };
}

type Mapping = JsonNode & { kind: 'object' };

export interface AccelerateFindings { findings: Finding[]; editFixes: EditFix[] }

export function accelerateFindings(doc: JsonDocument, text: string): AccelerateFindings {
  const out: AccelerateFindings = { findings: [], editFixes: [] };
  const seen = new Set<string>();
  for (const e of doc.syntaxErrors.slice(0, 20)) {
    const key = `${e.range.start.line}:${e.range.start.character}`;
    if (!seen.has(key)) out.findings.push(acFinding('AC001', e.range, 'not valid YAML here: accelerate cannot read this file'));
    seen.add(key);
  }
  const root = doc.root;
  if (root?.kind !== 'object') return out;
  const sagemaker = memberOf(root, 'compute_environment')?.value;
  for (const member of root.members) {
    const spec = ACCELERATE_TOP[member.key];
    if (!spec) {
      // SageMaker configs have their own keys (SageMakerConfig): only local ones are checked.
      if (!(sagemaker?.kind === 'string' && sagemaker.value === 'AMAZON_SAGEMAKER')) unknownKey(root, member, [], Object.keys(ACCELERATE_TOP), 'AC002', text, out);
      continue;
    }
    if (spec.deprecated) out.findings.push(acFinding('AC010', member.keySpan.range, `legacy key "${member.key}": accelerate converts it to ${spec.deprecated.replacement}; write ${spec.deprecated.replacement} instead`));
    checkValue(member, [member.key], spec, text, out);
  }
  if (!memberOf(root, 'distributed_type') && doc.syntaxErrors.length === 0) {
    out.findings.push(acFinding('AC004', root.members[0]?.keySpan.range ?? root.range, 'no distributed_type: accelerate raises "A `distributed_type` must be specified in the config file."'));
  }
  inlineWithFile(root, out);
  return out;
}

function checkValue(member: JsonMember, path: string[], spec: KeySpec, text: string, out: AccelerateFindings): void {
  const value = member.value;
  if (!value || value.kind === 'null') return;
  if (value.kind === 'object' && spec.keys) {
    for (const child of value.members) {
      const childSpec = spec.keys[child.key];
      if (!childSpec) unknownKey(value, child, path, Object.keys(spec.keys), 'AC009', text, out);
      else checkValue(child, [...path, child.key], childSpec, text, out);
    }
    return;
  }
  if (spec.type === 'object' || spec.type === 'any') return;
  const problem = valueProblem(value, path.join('.'), spec);
  if (problem) out.findings.push(acFinding('AC003', value.range, problem));
}

function unknownKey(parent: Mapping, member: JsonMember, path: string[], known: string[], code: 'AC002' | 'AC009', text: string, out: AccelerateFindings): void {
  const suggestion = didYouMean(member.key, known);
  const where = path.length ? `${path.join('.')}` : 'the top level';
  const id = `ac-${suggestion ? 'rename' : 'remove'}:${[...path, member.key].join('.')}`;
  const edit = suggestion ? replaceSpan(member.keySpan, suggestion) : deleteYamlMember(text, parent, member);
  out.editFixes.push({ id, title: suggestion ? `Rename "${member.key}" to "${suggestion}"` : `Remove "${member.key}"`, edits: [edit] });
  const hint = suggestion ? `; did you mean "${suggestion}"?` : '';
  const message = code === 'AC002'
    ? `unknown key "${member.key}" at ${where}: accelerate raises "The config file at ... had unknown keys (['${member.key}'])"${hint}`
    : `unknown key "${member.key}" in ${where}: accelerate ignores it${hint}`;
  out.findings.push(acFinding(code, member.keySpan.range, message, [id]));
}

/** A block mapping pair is whole lines: delete them (deleteMember handles flow mappings' commas). */
function deleteYamlMember(text: string, parent: Mapping, member: JsonMember) {
  if (text[parent.start] === '{') return deleteMember(text, parent, member);
  const start = text.lastIndexOf('\n', member.span.start - 1) + 1;
  const nextLine = text.indexOf('\n', member.span.end);
  const end = nextLine === -1 ? text.length : nextLine + 1;
  return replaceSpan({ start, end, range: rangeAt(text, start, end) }, '');
}

/** accelerate/utils/dataclasses.py DeepSpeedPlugin: a config file plus accelerate-side DeepSpeed keys is a ValueError. */
function inlineWithFile(root: Mapping, out: AccelerateFindings): void {
  const ds = memberOf(root, 'deepspeed_config')?.value;
  if (!memberOf(ds, 'deepspeed_config_file')) return;
  const inline = ds?.kind === 'object' ? ds.members.filter((m) => DEEPSPEED_INLINE_KEYS.includes(m.key)) : [];
  for (const m of inline) {
    out.findings.push(acFinding('AC006', m.keySpan.range, `${m.key} is set together with deepspeed_config_file: accelerate raises "When using \`deepspeed_config_file\`, the following accelerate config variables will be ignored: [...]"; set it in the DeepSpeed file`));
  }
}

/** The DeepSpeed file named by deepspeed_config_file, read and interpreted; AC005 when it cannot be. */
export function linkedDeepSpeed(root: JsonNode | undefined, fromUri: string, files: WorkspaceFiles | undefined, json: Parser, out: AccelerateFindings): DeepSpeedSettings | undefined {
  const ref = memberOf(memberOf(root, 'deepspeed_config')?.value, 'deepspeed_config_file')?.value;
  if (ref?.kind !== 'string' || !files) return undefined;
  const read = files.read(ref.value, fromUri);
  if (!read.ok) {
    out.findings.push(acFinding('AC005', ref.range, `DeepSpeed config ${read.reason}`));
    return undefined;
  }
  const tree = json.parse(read.text);
  const doc = tree ? readJsonTree(tree) : undefined;
  tree?.delete();
  if (!doc?.root || doc.syntaxErrors.length) {
    out.findings.push(acFinding('AC005', ref.range, `DeepSpeed config ${ref.value} is not valid JSON: accelerate reads it with json.load`));
    return undefined;
  }
  return interpretDeepSpeedConfig(plainValue(doc.root));
}

/** accelerate DeepSpeedPlugin.set_mixed_precision and the GPU's bf16 support. */
export function precisionFindings(root: JsonNode | undefined, ds: DeepSpeedSettings | undefined, gpu: Gpu, out: AccelerateFindings): void {
  const mp = memberOf(root, 'mixed_precision')?.value;
  if (mp?.kind !== 'string') return;
  if (ds?.half && (mp.value === 'fp16' || mp.value === 'bf16') && ds.half !== mp.value) {
    out.findings.push(acFinding('AC007', mp.range, `mixed_precision ${mp.value} but the DeepSpeed config enables ${ds.half}: accelerate raises "\`--mixed_precision\` arg cannot be set to \`${mp.value}\` when \`${ds.half}\` is set in the DeepSpeed config file."`));
  }
  if (mp.value === 'bf16' && !gpu.bf16) out.findings.push(acFinding('AC008', mp.range, `${gpu.id} does not support bf16: use mixed_precision: fp16 or an Ampere or newer GPU`));
}
