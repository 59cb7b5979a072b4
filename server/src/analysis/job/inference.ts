/**
 * Inference scripts: `model.generate(max_new_tokens=...)`, `pipeline(..., max_new_tokens=...)`,
 * vLLM `LLM(...)` with `SamplingParams(max_tokens=...)`. A script that trains (training arguments,
 * an optimizer, `backward()`) is a training job even if it also generates.
 */
import type { Node } from 'web-tree-sitter';
import type { InferenceConfig } from '../../../../estimator/src/types';
import { callsNamed, type CallFact } from '../../python/facts';
import { keyword } from '../../python/call-args';
import { rangeOf } from '../values';
import type { JobContext } from './context';
import { hfGenerateBatch, pipelineBatch, vllmBatch, type PromptBatch } from './prompt-batch';

/**
 * `promptLen`/`batch` come from the sequence-length and batch readers; when those only assumed
 * them, the whole inference setting is reported as assumed, naming the parts that are.
 */
export function inference(ctx: JobContext, promptLen: number, loaderBatch: number): InferenceConfig | undefined {
  const trains = ctx.hasTrainingArgs || callsNamed(ctx.facts, 'backward', 'train', 'step').length > 0;
  if (trains) return undefined;
  const llm = callsNamed(ctx.facts, 'LLM')[0];
  const generate = callsNamed(ctx.facts, 'generate', 'pipeline')[0];
  if (!llm && !generate) return undefined;
  const num = (value: ReturnType<typeof keyword>, fallback: number) =>
    value?.value.ok && typeof value.value.value === 'number' ? value.value.value : fallback;
  /** The prompts' batch, when the script shows it, replaces the loader's (the job's micro_batch follows it). */
  const batchOf = (read: PromptBatch | undefined) => {
    if (!read) return loaderBatch;
    ctx.values.micro_batch = read.info;
    return read.batch;
  };
  if (llm) {
    const batch = batchOf(vllmBatch(ctx, llm));
    const sampling = callsNamed(ctx.facts, 'SamplingParams')[0];
    const maxTokens = sampling && keyword(ctx.ev, sampling, 'max_tokens');
    const utilization = keyword(ctx.ev, llm, 'gpu_memory_utilization');
    const maxModelLen = keyword(ctx.ev, llm, 'max_model_len');
    const config: InferenceConfig = {
      engine: 'vllm', prompt_len: promptLen, max_new_tokens: num(maxTokens, 16), batch,
      kv_cache_dtype: 'fp16', gpu_memory_utilization: num(utilization, 0.9),
      ...(maxModelLen?.value.ok && typeof maxModelLen.value.value === 'number' ? { max_model_len: maxModelLen.value.value } : {}),
    };
    record(ctx, config, llm.call, [
      maxTokens ? undefined : 'SamplingParams max_tokens not found: vLLM default 16',
      utilization ? undefined : 'gpu_memory_utilization not given: vLLM default 0.9',
    ]);
    return config;
  }
  const pipe = generate!.callee === 'pipeline' ? generate! : undefined;
  const run = pipe && pipelineRun(ctx, pipe);
  const batch = batchOf(pipe ? pipelineBatch(ctx, pipe, run) : hfGenerateBatch(ctx, generate!));
  const maxNew = keyword(ctx.ev, generate!, 'max_new_tokens') ?? (run && keyword(ctx.ev, run, 'max_new_tokens'));
  const config: InferenceConfig = { engine: 'hf', prompt_len: promptLen, max_new_tokens: num(maxNew, 20), batch, kv_cache_dtype: 'fp16' };
  record(ctx, config, generate!.call, [maxNew ? undefined : 'max_new_tokens not given: transformers GenerationConfig default max_length=20']);
  return config;
}

/** `pipe(inputs, ...)` where `pipe = pipeline(...)`: the call that runs the pipeline. */
function pipelineRun(ctx: JobContext, pipe: CallFact): CallFact | undefined {
  const name = [...ctx.facts.assignments.values()].flat().find((a) => a.value.startIndex === pipe.call.startIndex && a.value.endIndex === pipe.call.endIndex)?.name;
  return name ? ctx.facts.calls.find((c) => c.callee === name && !c.receiver && c.call.startIndex > pipe.call.endIndex) : undefined;
}

function record(ctx: JobContext, config: InferenceConfig, at: Node, defaults: (string | undefined)[]): void {
  const assumedParts = [
    ctx.values.seq_len?.status !== 'known' ? `prompt length ${config.prompt_len} assumed`
      : paddedToLongest(ctx) ? `prompt length at most ${config.prompt_len} (max_length caps it; padding only reaches the longest prompt)` : undefined,
    ctx.values.micro_batch?.status === 'known' ? undefined : `batch ${config.batch} assumed`,
  ];
  const notes = [...defaults, ...assumedParts].filter((n): n is string => !!n);
  ctx.knownAt('inference', config, at, notes.join('; ') || undefined);
  if (assumedParts.some(Boolean)) ctx.values.inference!.status = 'assumed';
}

/** A tokenizer call with `max_length` that pads to the longest input (`padding=True`/"longest"), not to max_length. */
function paddedToLongest(ctx: JobContext): boolean {
  return ctx.facts.calls.some((c) => {
    if (!c.keywords.has('max_length') || c.callee === 'generate') return false;
    const padding = keyword(ctx.ev, c, 'padding');
    return !padding || !padding.value.ok || padding.value.value !== 'max_length';
  });
}

/** vLLM `LLM(tensor_parallel_size=N)`: the model is split over N GPUs. */
export function tensorParallel(ctx: JobContext): number {
  const llm = callsNamed(ctx.facts, 'LLM')[0];
  const tp = llm && keyword(ctx.ev, llm, 'tensor_parallel_size');
  if (!tp?.value.ok || typeof tp.value.value !== 'number' || !Number.isInteger(tp.value.value) || tp.value.value < 1) return 1;
  ctx.values.gpus = { value: tp.value.value, status: 'known', source: { file: ctx.file, range: rangeOf(tp.site) }, reason: 'vLLM tensor_parallel_size' };
  return tp.value.value;
}
