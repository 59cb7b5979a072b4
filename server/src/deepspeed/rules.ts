/**
 * Rules over the text of a DeepSpeed config alone (no script needed): syntax, comments, duplicate
 * keys, types and ranges, unknown and deprecated keys, conflicting precision blocks, settings
 * DeepSpeed ignores or rejects. Each finding lands on the key or value responsible; the messages
 * quote DeepSpeed's own errors where it raises one (domain-rules.md §1).
 */
import type { Finding } from '../analysis/types';
import { deleteMember, replaceSpan } from './edits';
import { memberOf, type JsonDocument, type JsonMember, type JsonNode } from './json-tree';
import { didYouMean, formatValue, specAt, type KeySpec } from './schema';
import { CODES, type ConfigFindings } from './findings';

export function structuralFindings(doc: JsonDocument, text: string): ConfigFindings {
  const out: ConfigFindings = { findings: [], editFixes: [] };
  const errorAt = new Set<string>();
  for (const e of doc.syntaxErrors.slice(0, 20)) {
    const key = `${e.range.start.line}:${e.range.start.character}`;
    if (errorAt.has(key)) continue;
    errorAt.add(key);
    out.findings.push(finding('DS001', e.range, 'not valid JSON here: DeepSpeed, Hugging Face and accelerate cannot read this file'));
  }
  for (const c of doc.comments) {
    out.findings.push(finding('DS002', c.range, 'comment in a JSON config: DeepSpeed reads it (hjson), but Hugging Face TrainingArguments(deepspeed=...) and accelerate read the file with json.load and fail'));
  }
  if (doc.truncated) out.findings.push(finding('DS001', doc.root!.range, 'nesting too deep: TrainLens reads configs up to 64 levels'));
  if (doc.root && doc.root.kind !== 'object') {
    out.findings.push(finding('DS004', doc.root.range, 'a DeepSpeed config is a JSON object ({...})'));
    return out;
  }
  if (doc.root) checkObject(doc.root, [], text, out);
  if (doc.root) precisionConflict(doc.root, text, out);
  if (doc.root) ignoredOffload(doc.root, out);
  return out;
}

function checkObject(node: JsonNode & { kind: 'object' }, path: string[], text: string, out: ConfigFindings): void {
  const spec = specAt(path);
  const known = spec?.keys ? Object.keys(spec.keys) : [];
  const seen = new Set<string>();
  for (const member of node.members) {
    if (seen.has(member.key)) out.findings.push(finding('DS003', member.keySpan.range, `duplicate key "${member.key}": DeepSpeed raises ValueError("Duplicate keys in DeepSpeed config: ['${member.key}']")`));
    seen.add(member.key);
    const child = spec?.keys?.[member.key];
    if (spec?.keys && !child) unknownKey(node, member, path, spec, known, text, out);
    else if (child) {
      if (child.deprecated) deprecatedKey(node, member, path, child, text, out);
      if (member.value) checkValue(member, [...path, member.key], child, text, out);
    }
  }
}

function unknownKey(object: JsonNode & { kind: 'object' }, member: JsonMember, path: string[], parent: KeySpec, known: string[], text: string, out: ConfigFindings): void {
  const suggestion = didYouMean(member.key, known);
  const hint = suggestion ? `; did you mean "${suggestion}"?` : '';
  const where = path.length ? `"${path.join('.')}"` : 'the top level';
  const fixIds: string[] = [];
  if (suggestion) {
    const id = `ds-rename:${path.join('.')}:${member.key}`;
    out.editFixes.push({ id, title: `Rename "${member.key}" to "${suggestion}"`, edits: [replaceSpan(member.keySpan, JSON.stringify(suggestion))] });
    fixIds.push(id);
  } else if (parent.strict) {
    const id = `ds-remove:${path.join('.')}:${member.key}`;
    out.editFixes.push({ id, title: `Remove "${member.key}" (DeepSpeed rejects it here)`, edits: [deleteMember(text, object, member)] });
    fixIds.push(id);
  }
  if (path.length === 0) {
    out.findings.push({ ...finding('DS005', member.keySpan.range, `unknown key "${member.key}" at ${where}: DeepSpeed silently ignores it${hint}`), fixIds });
  } else if (parent.strict) {
    const since = parent.strict === 'all versions' ? '' : ` (DeepSpeed ≥ ${parent.strict})`;
    out.findings.push({ ...finding('DS006', member.keySpan.range, `unknown key "${member.key}" in ${where}: DeepSpeed rejects it${since} with "Extra inputs are not permitted"${hint}`), fixIds });
  } else {
    out.findings.push({ ...finding('DS005', member.keySpan.range, `unknown key "${member.key}" in ${where}: DeepSpeed ignores it${hint}`), fixIds });
  }
}

function deprecatedKey(parent: JsonNode & { kind: 'object' }, member: JsonMember, path: string[], spec: KeySpec, text: string, out: ConfigFindings): void {
  const { replacement, moved, note } = spec.deprecated!;
  const id = `ds-deprecated:${path.join('.')}:${member.key}`;
  const hasReplacement = memberOf(parent, replacement) !== undefined;
  let edit;
  if (member.key === 'cpu_offload' || member.key === 'cpu_offload_param') {
    // A boolean that becomes an object: true → {"device": "cpu"}; false only restates the default.
    edit = member.value?.kind === 'boolean' && member.value.value && !hasReplacement
      ? replaceSpan(member.span, `${JSON.stringify(replacement)}: { "device": "cpu" }`)
      : deleteMember(text, parent, member);
  } else if (moved && !hasReplacement) {
    edit = replaceSpan(member.keySpan, JSON.stringify(replacement));
  }
  const tail = note ?? (hasReplacement ? `; "${replacement}" is also set: DeepSpeed raises "Cannot provide deprecated parameter '${member.key}' and replacing parameter '${replacement}' together"` : '');
  const fixIds: string[] = [];
  if (edit) {
    out.editFixes.push({ id, title: edit.newText === '' ? `Remove deprecated "${member.key}"` : `Replace deprecated "${member.key}" with "${replacement}"`, edits: [edit] });
    fixIds.push(id);
  }
  out.findings.push({ ...finding('DS007', member.keySpan.range, `"${member.key}" is deprecated: use "${replacement}"${tail}`), fixIds });
}

function checkValue(member: JsonMember, path: string[], spec: KeySpec, text: string, out: ConfigFindings): void {
  const value = member.value!;
  const name = path.join('.');
  if (value.kind === 'string' && value.value === 'auto') {
    if (!spec.hfAuto && spec.type !== 'object') {
      out.findings.push(finding('DS012', value.range, `"auto" for ${name}: neither Hugging Face nor accelerate fill this key; DeepSpeed drops it and uses the default${spec.default !== undefined ? ` (${formatValue(spec.default)})` : ''}`));
    }
    return;
  }
  if (value.kind === 'object') {
    if (name === 'optimizer.params') maxGradNorm(value, out);
    if (spec.keys) checkObject(value, path, text, out);
    else if (spec.type !== 'object' && spec.type !== 'any') out.findings.push(finding('DS004', value.range, typeMessage(value, name, spec)));
    return;
  }
  const problem = valueProblem(value, name, spec);
  if (problem) out.findings.push(finding('DS004', value.range, problem));
}

/** What is wrong with a scalar or array value for its spec (type, allowed values, range), if anything. */
export function valueProblem(value: JsonNode, name: string, spec: KeySpec): string | undefined {
  if (!typeMatches(value, spec)) return typeMessage(value, name, spec);
  if (spec.values && !spec.values.some((v) => sameValue(v, value))) return `${name} must be one of ${spec.values.map(formatValue).join(', ')}`;
  if (value.kind === 'number' && ((spec.min !== undefined && value.value < spec.min) || (spec.max !== undefined && value.value > spec.max))) {
    return `${name} must be ${spec.max !== undefined ? `between ${spec.min ?? '-∞'} and ${spec.max}` : `>= ${spec.min}`}`;
  }
  return undefined;
}

function maxGradNorm(params: JsonNode, out: ConfigFindings): void {
  const m = memberOf(params, 'max_grad_norm');
  if (m) out.findings.push(finding('DS016', m.keySpan.range, `'max_grad_norm' is not supported as an optimizer parameter (DeepSpeed raises ValueError): use the top-level "gradient_clipping"`));
}

function precisionConflict(root: JsonNode & { kind: 'object' }, text: string, out: ConfigFindings): void {
  const fp16 = enabledMember(root, 'fp16');
  const bf16 = enabledMember(root, 'bf16') ?? enabledMember(root, 'bfloat16');
  if (!fp16 || !bf16) return;
  const fixIds: string[] = [];
  for (const [drop, keep] of [[fp16, 'bf16'], [bf16, 'fp16']] as const) {
    const id = `ds-remove-precision:${drop.block.key}`;
    out.editFixes.push({ id, title: `Remove the "${drop.block.key}" block (keep ${keep})`, edits: [deleteMember(text, root, drop.block)] });
    fixIds.push(id);
  }
  for (const { enabled } of [fp16, bf16]) {
    out.findings.push({ ...finding('DS008', enabled.range, 'fp16 and bf16 are both enabled: DeepSpeed raises "bfloat16 and fp16 modes cannot be simultaneously enabled"'), fixIds });
  }
}

function enabledMember(root: JsonNode, key: string): { block: JsonMember; enabled: JsonNode } | undefined {
  const block = memberOf(root, key);
  const enabled = memberOf(block?.value, 'enabled')?.value;
  return block && enabled?.kind === 'boolean' && enabled.value ? { block, enabled } : undefined;
}

/** The edit fix of DS009; analysis.ts titles it with its effect when a script gives it one. */
export const STAGE3_FIX = 'ds-stage:3';

/** offload_param below stage 3 and partial optimizer offload below stage 3 (zero/config.py, engine.py). */
function ignoredOffload(root: JsonNode & { kind: 'object' }, out: ConfigFindings): void {
  const zero = memberOf(root, 'zero_optimization')?.value;
  if (zero?.kind !== 'object') return;
  const stageNode = memberOf(zero, 'stage')?.value;
  const stage = stageNode?.kind === 'number' ? stageNode.value : 0;
  if (stage >= 3) return;
  const offloadParam = memberOf(zero, 'offload_param');
  const device = memberOf(offloadParam?.value, 'device')?.value;
  if (offloadParam && device?.kind === 'string' && device.value !== 'none') {
    const fixIds: string[] = [];
    if (stageNode) {
      out.editFixes.push({ id: STAGE3_FIX, title: 'Use ZeRO stage 3 (offload_param needs it)', edits: [replaceSpan(stageNode, '3')] });
      fixIds.push(STAGE3_FIX);
    }
    out.findings.push({ ...finding('DS009', offloadParam.keySpan.range, `offload_param has no effect at ZeRO stage ${stage}: DeepSpeed only offloads parameters at stage 3 and ignores it silently`), fixIds });
  }
  const ratio = memberOf(memberOf(zero, 'offload_optimizer')?.value, 'ratio')?.value;
  if (ratio?.kind === 'number' && ratio.value < 1) {
    out.findings.push(finding('DS015', ratio.range, 'offload_optimizer.ratio below 1.0 needs ZeRO stage 3: DeepSpeed raises "Partial offloading only supported for ZeRO Stage 3."'));
  }
}

function typeMatches(value: JsonNode, spec: KeySpec): boolean {
  switch (spec.type) {
    case 'boolean': return value.kind === 'boolean';
    case 'integer': return value.kind === 'number' && Number.isInteger(value.value);
    case 'number': return value.kind === 'number';
    case 'string': return value.kind === 'string';
    case 'array': return value.kind === 'array';
    case 'object': return value.kind === 'object';
    default: return true;
  }
}

function typeMessage(value: JsonNode, name: string, spec: KeySpec): string {
  const expected = spec.values ? `one of ${spec.values.map(formatValue).join(', ')}` : { integer: 'an integer', number: 'a number', boolean: 'true or false', string: 'a string', object: 'an object', array: 'an array', any: 'a value' }[spec.type];
  const got = value.kind === 'string' ? `the string ${JSON.stringify(value.value)}` : value.kind;
  return `${name} must be ${expected}${spec.hfAuto ? ' or "auto"' : ''}, not ${got}`;
}

function sameValue(v: unknown, node: JsonNode): boolean {
  return node.kind !== 'object' && node.kind !== 'array' && node.kind !== 'null' && node.value === v;
}

export function finding(code: keyof typeof CODES, range: Finding['range'], message: string): Finding {
  return { code, severity: CODES[code], message, range };
}
