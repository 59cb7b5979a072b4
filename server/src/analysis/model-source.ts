/**
 * Which model the script trains: `from_pretrained("id")` looked up in the catalog, or
 * `from_config(LlamaConfig(...))` / `LlamaForCausalLM(config)` with literal numbers. Also the
 * settings written where the model is loaded: dtype and attention implementation.
 */
import type { Node } from 'web-tree-sitter';
import { archProblem, findModel } from '../../../estimator/src/catalog';
import type { Attention, ModelArch } from '../../../estimator/src/types';
import { callsNamed, type CallFact, type PythonFacts } from '../python/facts';
import { clip, isDtype, type Evaluator } from '../python/evaluate';
import { firstArgument, keyword, type KeywordValue } from '../python/call-args';
import { CONFIG_CLASSES, MODEL_CLASSES } from './model-configs';
import { modelFromConfigJson } from './config-json';
import { gptFromLocalModule } from './gpt-source';
import type { WorkspaceFiles } from '../workspace/files';
import { known, unknownValue } from './values';
import type { ValueInfo } from './types';

export interface ModelSource {
  arch?: ModelArch;
  info: ValueInfo;
  /** Where hovers about the model land: the id string or the config call. */
  anchor: Node;
  call: CallFact;
  /** dtype= / torch_dtype= given when loading ("bfloat16"), with its argument. */
  loadDtype?: { name: string; site: KeywordValue };
  attention?: KeywordValue;
  /** A model whose own source TrainLens read (a local GPT class): the attention its code computes, and why. */
  attentionInCode?: { value: Attention; reason: string };
}

/** dtype given as a string (vLLM `LLM(dtype="bfloat16")`, `torch_dtype="float16"`). */
export const DTYPE_STRINGS: Record<string, string> = { bfloat16: 'bfloat16', float16: 'float16', half: 'float16', float32: 'float32', float: 'float32' };

const MODEL_RECEIVER = /(Model|ForCausalLM|LMHeadModel)/;
/** Calls that take the model id as `model=`: vLLM `LLM`, transformers `pipeline`, TRL trainers (`SFTTrainer(model="id")`). */
const MODEL_ENTRY_CALLS = ['LLM', 'pipeline', 'SFTTrainer', 'DPOTrainer', 'ORPOTrainer', 'KTOTrainer'];

export function findModelSource(facts: PythonFacts, evaluator: Evaluator, file: string, files?: WorkspaceFiles): ModelSource | undefined {
  const loads = facts.calls
    .filter((c) =>
      ((c.callee === 'from_pretrained' || c.callee === 'from_config') && c.receiver && MODEL_RECEIVER.test(c.receiver.text)) ||
      (MODEL_CLASSES.includes(c.callee) && !c.receiver) ||
      (MODEL_ENTRY_CALLS.includes(c.callee) && c.keywords.has('model')))
    .sort((a, b) => a.call.startIndex - b.call.startIndex);
  const call = loads[0];
  if (!call) return gptFromLocalModule(facts, evaluator, file);
  const source = call.callee === 'from_config' || MODEL_CLASSES.includes(call.callee) && !call.receiver ? fromConfig(call, facts, evaluator, file) : fromPretrained(call, evaluator, file, files);
  const dtype = keyword(evaluator, call, 'torch_dtype') ?? keyword(evaluator, call, 'dtype');
  const dtypeName = dtype?.value.ok ? (isDtype(dtype.value.value) ? dtype.value.value.name : DTYPE_STRINGS[String(dtype.value.value)]) : undefined;
  if (dtype && dtypeName) source.loadDtype = { name: dtypeName, site: dtype };
  source.attention ??= keyword(evaluator, call, 'attn_implementation') ?? attentionAssignment(facts, evaluator);
  return source;
}

function fromPretrained(call: CallFact, evaluator: Evaluator, file: string, files?: WorkspaceFiles): ModelSource {
  const id = call.callee === 'pipeline' || call.callee.endsWith('Trainer') ? keyword(evaluator, call, 'model')
    : firstArgument(evaluator, call, call.callee === 'from_pretrained' ? 'pretrained_model_name_or_path' : 'model');
  const anchor = id?.site ?? call.call;
  if (!id || !id.value.ok || typeof id.value.value !== 'string') {
    const why = id && !id.value.ok ? id.value.reason : 'no model id given';
    return { call, anchor, info: unknownValue(`model id: ${why}`, file, anchor) };
  }
  const arch = findModel(id.value.value);
  if (arch) return { call, anchor, arch: { ...arch, id: id.value.value }, info: known(file, id.value.value, id.value) };
  if (!files) return { call, anchor, info: unknownValue(`"${id.value.value}" is not in TrainLens's model catalog`, file, anchor) };
  const lookup = modelFromConfigJson(id.value.value, file, files);
  if (!lookup.ok) return { call, anchor, info: unknownValue(lookup.reason, file, anchor) };
  return { call, anchor, arch: lookup.arch, info: { ...known(file, id.value.value, id.value), reason: `architecture from ${lookup.where}` } };
}

/** `from_config(cfg)` / `LlamaForCausalLM(cfg)`: follow `cfg` to its `XConfig(...)` call. */
function fromConfig(call: CallFact, facts: PythonFacts, evaluator: Evaluator, file: string): ModelSource {
  const arg = call.positional[0] ?? call.keywords.get('config')?.childForFieldName('value') ?? undefined;
  const configCall = arg ? configCallOf(arg, facts) : undefined;
  const cls = configCall && CONFIG_CLASSES[configCall.callee];
  if (!configCall || !cls) {
    const anchor = arg ?? call.call;
    return { call, anchor, info: unknownValue(`the model config \`${clip(arg?.text ?? '')}\` is not a literal config TrainLens reads`, file, anchor) };
  }
  const arch: ModelArch = { id: 'custom', family: cls.family, ...cls.defaults, source: cls.source };
  const given = new Set<keyof ModelArch>();
  for (const [kw, field] of Object.entries(cls.keys)) {
    const v = keyword(evaluator, configCall, kw);
    if (!v?.value.ok) continue;
    if (typeof v.value.value === 'number' || typeof v.value.value === 'boolean') {
      (arch as unknown as Record<string, unknown>)[field] = v.value.value;
      given.add(field);
    }
  }
  cls.derive(arch, given as Set<never>);
  const problem = archProblem(arch);
  if (problem) return { call, anchor: configCall.call, info: unknownValue(`${configCall.callee}: ${problem}`, file, configCall.call) };
  const summary = `${configCall.callee}(hidden ${arch.hidden_size}, ${arch.num_layers} layers, vocab ${arch.vocab_size})`;
  const info: ValueInfo = { value: summary, status: 'known', source: known(file, null, { ok: true, value: null, node: configCall.call, via: [] }).source };
  return { call, anchor: configCall.call, arch, info, attention: keyword(evaluator, configCall, 'attn_implementation') };
}

/** `config._attn_implementation = "eager"` (or `attn_implementation`) anywhere in the script: the last one. */
function attentionAssignment(facts: PythonFacts, evaluator: Evaluator): KeywordValue | undefined {
  const all = [...facts.assignments.entries()]
    .filter(([name]) => /\.(_)?attn_implementation$/.test(name))
    .flatMap(([, list]) => list)
    .sort((a, b) => a.assignment.startIndex - b.assignment.startIndex);
  const last = all[all.length - 1];
  return last && { site: last.assignment, value: evaluator.evaluate(last.value) };
}

function configCallOf(arg: Node, facts: PythonFacts): CallFact | undefined {
  let node: Node | undefined = arg;
  for (let hops = 0; node && node.type === 'identifier' && hops < 8; hops++) {
    const at: Node = node;
    const prior = (facts.assignments.get(at.text) ?? []).filter((a) => a.assignment.endIndex <= at.startIndex);
    node = prior[prior.length - 1]?.value;
  }
  if (!node || node.type !== 'call') return undefined;
  return facts.calls.find((c) => c.call.startIndex === node!.startIndex && c.call.endIndex === node!.endIndex);
}

/** Casts applied to the model after loading: `.half()`, `.bfloat16()`, `.to(torch.bfloat16)`. */
export function modelCasts(facts: PythonFacts, evaluator: Evaluator): { name: string; node: Node } | undefined {
  const casts: { name: string; node: Node }[] = [];
  for (const c of callsNamed(facts, 'half', 'bfloat16', 'float', 'to')) {
    if (!c.receiver || !/model/i.test(c.receiver.text)) continue;
    if (c.callee === 'half') casts.push({ name: 'float16', node: c.call });
    else if (c.callee === 'bfloat16') casts.push({ name: 'bfloat16', node: c.call });
    else if (c.callee === 'float' && c.positional.length === 0) casts.push({ name: 'float32', node: c.call });
    else if (c.callee === 'to') {
      const arg = keyword(evaluator, c, 'dtype') ?? c.positional.map((p) => ({ site: p, value: evaluator.evaluate(p) })).find((a) => a.value.ok && isDtype(a.value.value));
      if (arg?.value.ok && isDtype(arg.value.value)) casts.push({ name: arg.value.value.name, node: c.call });
    }
  }
  return casts[casts.length - 1];
}
