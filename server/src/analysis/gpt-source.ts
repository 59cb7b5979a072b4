/**
 * A model built from the workspace's own GPT code, the way nanoGPT does it:
 * `model = GPT(GPTConfig(**model_args))` with `GPTConfig` a dataclass in a local module (model.py)
 * whose fields are n_layer, n_head, n_embd, block_size and vocab_size. The config's values come
 * from the call (through `**model_args` dicts and the script's globals), else the dataclass
 * defaults in that module. The module's code decides the rest, and only what it shows is used:
 * an MLP of `4 * config.n_embd`, and `wte.weight = lm_head.weight` tying (karpathy/nanoGPT model.py).
 * Like GPT-2 it has learned positions, LayerNorm and a GELU MLP, so the gpt2 family's layer applies.
 */
import type { Node } from 'web-tree-sitter';
import { archProblem } from '../../../estimator/src/catalog';
import type { ModelArch } from '../../../estimator/src/types';
import { keyword } from '../python/call-args';
import { Evaluator } from '../python/evaluate';
import type { CallFact, PythonFacts } from '../python/facts';
import type { PythonModule } from '../python/modules';
import { localClass, within } from '../python/local-classes';
import { known, unknownValue } from './values';
import type { ModelSource } from './model-source';

/** nanoGPT GPTConfig field → ModelArch field. */
const FIELDS = { n_embd: 'hidden_size', n_layer: 'num_layers', n_head: 'num_heads', vocab_size: 'vocab_size', block_size: 'max_position_embeddings' } as const;

const FFN = /nn\.Linear\(\s*config\.n_embd\s*,\s*4\s*\*\s*config\.n_embd/;
const TIED = /\.wte\.weight\s*=\s*self\.lm_head\.weight|\.lm_head\.weight\s*=\s*self\.transformer\.wte\.weight|\.lm_head\.weight\s*=\s*self\.wte\.weight/;

export function gptFromLocalModule(facts: PythonFacts, ev: Evaluator, file: string): ModelSource | undefined {
  for (const call of facts.calls) {
    if (!/Config$/.test(call.callee) || call.receiver) continue;
    const local = localClass(call.call.tree.rootNode, ev, call.callee);
    if (!local) continue;
    const { module, cls } = local;
    if (!Object.keys(FIELDS).every((f) => module.facts.assignments.get(f)?.some((a) => within(a.assignment, cls)))) continue;
    const model = facts.calls.find((c) => c.positional.some((p) => p.startIndex <= call.call.startIndex && call.call.endIndex <= p.endIndex) || c.positional[0]?.type === 'identifier' && assignedFrom(facts, c.positional[0], call.call));
    return readConfig(call, model ?? call, module, cls, ev, file);
  }
  return undefined;
}

function readConfig(call: CallFact, model: CallFact, module: PythonModule, cls: Node, ev: Evaluator, file: string): ModelSource {
  const defaults = new Evaluator(module.facts, new Map(), { ...ev.env, uri: module.uri });
  const values: Partial<Record<keyof typeof FIELDS, number>> = {};
  const missing = new Map<string, string[]>(); // reason ('' for none) → fields, so a shared reason is said once
  const miss = (what: string, reason = '') => missing.set(reason, [...(missing.get(reason) ?? []), what]);
  for (const field of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
    const given = keyword(ev, call, field);
    const declared = module.facts.assignments.get(field)?.find((a) => within(a.assignment, cls));
    const value = given ? given.value : declared ? defaults.evaluate(declared.value) : undefined;
    if (value?.ok && typeof value.value === 'number') values[field] = value.value;
    else miss(field, value && !value.ok ? value.reason : '');
  }
  if (!FFN.test(module.text)) miss('the MLP width', `no \`4 * config.n_embd\` Linear in ${module.path.split(/[\\/]/).pop()}`);
  if (missing.size) {
    const parts = [...missing].map(([reason, fields]) => `${fields.join(', ')}${reason ? ` (${reason})` : ''}`);
    return { call: model, anchor: call.call, info: unknownValue(`${call.callee}: ${parts.join('; ')} not read`, file, call.call) };
  }
  const arch: ModelArch = {
    id: 'custom', family: 'gpt2',
    hidden_size: values.n_embd!, intermediate_size: 4 * values.n_embd!, num_layers: values.n_layer!, num_heads: values.n_head!, num_kv_heads: values.n_head!,
    vocab_size: values.vocab_size!, max_position_embeddings: values.block_size!, tie_word_embeddings: TIED.test(module.text),
    source: `${module.path.split(/[\\/]/).pop()}: ${call.callee} fields, MLP 4·n_embd${TIED.test(module.text) ? ', wte tied to lm_head' : ''} (nanoGPT layout)`,
  };
  const problem = archProblem(arch);
  if (problem) return { call: model, anchor: call.call, info: unknownValue(`${call.callee}: ${problem}`, file, call.call) };
  const moduleName = module.path.split(/[\\/]/).pop();
  // nanoGPT: `self.flash = hasattr(F, 'scaled_dot_product_attention')`, its own softmax(QKᵀ)V otherwise
  const attentionInCode = /scaled_dot_product_attention\s*\(/.test(module.text)
    ? { value: 'sdpa' as const, reason: `${moduleName} calls F.scaled_dot_product_attention (PyTorch 2.0 or newer assumed; on older PyTorch its own attention code runs)` }
    : { value: 'eager' as const, reason: `${moduleName} computes attention itself (no scaled_dot_product_attention call)` };
  const summary = `${call.callee}(n_embd ${arch.hidden_size}, ${arch.num_layers} layers, ${arch.num_heads} heads, vocab ${arch.vocab_size}, block ${arch.max_position_embeddings})`;
  return { call: model, anchor: call.call, arch, attentionInCode, info: { ...known(file, summary, { ok: true, value: summary, node: call.call, via: [] }), reason: arch.source } };
}

/** `GPT(config)` where `config = GPTConfig(...)`. */
function assignedFrom(facts: PythonFacts, name: Node, call: Node): boolean {
  return (facts.assignments.get(name.text) ?? []).some((a) => a.value.startIndex === call.startIndex && a.value.endIndex === call.endIndex);
}
