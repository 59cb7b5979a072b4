/**
 * The batch an inference script generates for, from the prompts it passes: vLLM
 * `llm.generate(prompts, ...)` runs every prompt, at most `max_num_seqs` at once (vLLM
 * SchedulerConfig.max_num_seqs, default 256: vllm/config.py); Hugging Face `model.generate(**inputs)`
 * where `inputs = tokenizer(prompts, ...)` runs them all in one batch; a transformers pipeline
 * called on a list runs `batch_size` at a time (default 1: transformers pipelines/base.py
 * `Pipeline.__call__`). The prompts' count comes from python/sequence.ts.
 */
import type { Node } from 'web-tree-sitter';
import { keyword, type KeywordValue } from '../../python/call-args';
import type { CallFact } from '../../python/facts';
import { lengthOf, type Length } from '../../python/sequence';
import { rangeOf } from '../values';
import type { ValueInfo } from '../types';
import type { JobContext } from './context';

/** vLLM SchedulerConfig.max_num_seqs default (vllm/config.py). */
export const VLLM_MAX_NUM_SEQS = 256;

export interface PromptBatch { batch: number; info: ValueInfo }

export function vllmBatch(ctx: JobContext, llm: CallFact): PromptBatch | undefined {
  const gen = ctx.facts.calls.find((c) => c.callee === 'generate' && c.receiver && !/model/i.test(c.receiver.text));
  const prompts = gen && (gen.positional[0] ?? valueOf(gen.keywords.get('prompts')));
  if (!prompts) return undefined;
  const count = lengthOf(ctx.ev, ctx.facts, prompts);
  const cap = number(keyword(ctx.ev, llm, 'max_num_seqs'));
  const limit = cap ?? VLLM_MAX_NUM_SEQS;
  const capNote = cap ? `max_num_seqs=${cap}` : `vLLM default max_num_seqs=${VLLM_MAX_NUM_SEQS}`;
  if (!count.ok) return unknownBatch(ctx, prompts, `prompt count: ${count.reason}; up to ${capNote} run at once`);
  const batch = Math.min(count.value, limit);
  const read = known(ctx, batch, count, batch < count.value ? `${count.value} prompts, ${capNote} at once` : `${count.value} prompts in one batch (${capNote})`);
  // Capped by vLLM's default, the batch is a library default (it may differ between vLLM versions): assumed.
  if (batch < count.value && !cap) read.info.status = 'assumed';
  return read;
}

/** `model.generate(**inputs)` / `input_ids=inputs["input_ids"]` where `inputs = tokenizer(prompts, ...)`. */
export function hfGenerateBatch(ctx: JobContext, generate: CallFact): PromptBatch | undefined {
  const input = generate.spreads[0] ?? valueOf(generate.keywords.get('input_ids')) ?? valueOf(generate.keywords.get('inputs')) ?? generate.positional[0];
  const name = input && rootName(input);
  if (!name) return undefined;
  const prior = (ctx.facts.assignments.get(name.text) ?? []).filter((a) => a.assignment.endIndex <= generate.call.startIndex);
  const encoded = prior.length ? unwrapDevice(prior[prior.length - 1].value) : undefined;
  const fn = encoded?.type === 'call' ? encoded.childForFieldName('function')?.text ?? '' : '';
  const texts = encoded?.childForFieldName('arguments')?.namedChildren.find((c) => c && c.type !== 'keyword_argument' && c.type !== 'comment');
  if (!texts || !/(tokenizer|tokenize|processor|apply_chat_template|batch_encode_plus|^tok)\b/i.test(fn)) return undefined;
  const count = lengthOf(ctx.ev, ctx.facts, texts);
  if (!count.ok) return unknownBatch(ctx, texts, `prompt count: ${count.reason}`);
  return known(ctx, count.value, count, `${count.value} prompts tokenized together by \`${fn}\` and generated in one batch`);
}

/** `pipe(inputs, batch_size=8)` (or `pipeline(..., batch_size=8)`): batch_size at a time, at most the inputs' count. */
export function pipelineBatch(ctx: JobContext, construct: CallFact, run: CallFact | undefined): PromptBatch | undefined {
  const size = (run && keyword(ctx.ev, run, 'batch_size')) ?? keyword(ctx.ev, construct, 'batch_size');
  const perCall = number(size);
  const inputs = run?.positional[0];
  const count = inputs ? lengthOf(ctx.ev, ctx.facts, inputs) : undefined;
  if (size && perCall === undefined) return unknownBatch(ctx, size.site, `batch_size: ${size.value.ok ? 'not a whole number' : size.value.reason}`);
  if (perCall !== undefined) {
    if (count?.ok && count.value < perCall) return known(ctx, count.value, count, `${count.value} inputs, fewer than batch_size=${perCall}`);
    const info: ValueInfo = { value: perCall, status: 'known', source: { file: ctx.file, range: rangeOf(size!.site) }, reason: `pipeline batch_size=${perCall}: inputs run ${perCall} at a time` };
    return { batch: perCall, info };
  }
  if (!run) return undefined;
  const info: ValueInfo = { value: 1, status: 'assumed', source: { file: ctx.file, range: rangeOf(run.call) }, reason: 'pipeline without batch_size: transformers runs inputs one at a time (batch_size default 1)' };
  return { batch: 1, info };
}

function known(ctx: JobContext, batch: number, count: Length & { ok: true }, summary: string): PromptBatch {
  return { batch, info: { value: batch, status: 'known', source: { file: ctx.file, range: rangeOf(count.node) }, reason: [...count.via, summary].join(' → ') } };
}

function unknownBatch(ctx: JobContext, at: Node, reason: string): PromptBatch | undefined {
  ctx.values.micro_batch = { value: 1, status: 'assumed', source: { file: ctx.file, range: rangeOf(at) }, reason: `${reason}; batch 1 assumed` };
  return undefined;
}

function valueOf(kw: Node | undefined): Node | undefined {
  return kw?.childForFieldName('value') ?? undefined;
}

function number(kw: KeywordValue | undefined): number | undefined {
  return kw?.value.ok && typeof kw.value.value === 'number' && Number.isInteger(kw.value.value) && kw.value.value > 0 ? kw.value.value : undefined;
}

/** `inputs`, `inputs["input_ids"]`, `inputs.input_ids` → the identifier `inputs`. */
function rootName(node: Node): Node | undefined {
  let n: Node | null = node;
  while (n && (n.type === 'subscript' || n.type === 'attribute')) n = n.childForFieldName(n.type === 'subscript' ? 'value' : 'object');
  return n?.type === 'identifier' ? n : undefined;
}

/** `tokenizer(...).to(model.device)` / `.cuda()` → `tokenizer(...)`. */
function unwrapDevice(node: Node): Node {
  let n = node;
  for (;;) {
    const fn = n.type === 'call' ? n.childForFieldName('function') : null;
    const object = fn?.type === 'attribute' && /^(to|cuda)$/.test(fn.childForFieldName('attribute')?.text ?? '') ? fn.childForFieldName('object') : null;
    if (!object) return n;
    n = object;
  }
}
