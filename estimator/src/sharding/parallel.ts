/**
 * Parallel layout of a job (tensor TP, pipeline PP, data DP, expert EP degrees) and the parameters one rank holds.
 *
 * Megatron-LM model parallelism (Shoeybi et al. 2019, "Megatron-LM", Sec. 3; Megatron-LM
 * megatron/core/tensor_parallel/layers.py):
 * - the first GEMM of attention (QKV) and of the MLP is column-parallel (weight and bias split over TP ranks), the
 *   second (attention output, MLP down/fc2) row-parallel (weight split, bias replicated: RowParallelLinear adds its
 *   bias after the all-reduce);
 * - the input embedding is vocab-parallel (VocabParallelEmbedding) and so is the output layer; learned position
 *   embeddings and LayerNorm/RMSNorm weights are replicated on every TP rank;
 * - pipeline stages hold num_layers / PP consecutive layers; the first also the embeddings, the last the final norm
 *   and output layer, and with tied embeddings the last stage keeps its own copy of the word embedding whose
 *   gradient is all-reduced with the first (Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on
 *   GPU Clusters Using Megatron-LM", Sec. 2.2; Megatron-LM LanguageModule.setup_embeddings_and_output_layer);
 * - data-parallel size = GPUs / (TP · PP); expert parallelism places num_experts / EP experts on each rank, EP
 *   ranks carved out of the data-parallel group (DeepSpeed-MoE, Rajbhandari et al. 2022, Sec. 5; Megatron-Core
 *   expert parallelism), each expert's matrices split over TP like the dense MLP.
 */
import { countParams, layerLinears, type LinearModule } from '../params';
import type { ModelArch, PeftConfig, TrainingJob } from '../types';
import { moeLayerParams } from './moe';

export interface Degrees {
  tp: number;
  pp: number;
  dp: number;
  ep: number;
  sp: boolean;
  schedule: 'gpipe' | '1f1b';
  /** Micro-batches per optimizer step on one pipeline (gradient accumulation). */
  micro_batches: number;
}

/** A positive integer, or 1 with a note saying why the value was not usable. */
function degree(value: number | undefined, name: string, notes: string[]): number {
  if (value === undefined) return 1;
  if (Number.isInteger(value) && value >= 1) return value;
  notes.push(`${name} parallel size ${value} is not a positive integer; taken as 1.`);
  return 1;
}

/** Degrees of parallelism of a job, each a positive integer; inconsistent inputs are corrected with a note. */
export function parallelDegrees(job: TrainingJob): { degrees: Degrees; notes: string[] } {
  const notes: string[] = [];
  const p = job.parallel;
  const gpus = degree(job.gpus, 'GPU count (data)', notes);
  const tp = degree(p?.tensor, 'Tensor', notes);
  const pp = degree(p?.pipeline, 'Pipeline', notes);
  let dp = Math.floor(gpus / (tp * pp));
  if (dp < 1 || gpus % (tp * pp) !== 0) {
    dp = Math.max(1, dp);
    notes.push(`${gpus} GPUs is not a multiple of tensor × pipeline = ${tp * pp}; data-parallel size taken as ${dp}.`);
  }
  let ep = degree(p?.expert, 'Expert', notes);
  const experts = job.model.num_experts ?? 0;
  if (ep > 1 && experts < 1) {
    notes.push('Expert parallelism set on a model without experts; ignored.');
    ep = 1;
  } else if (ep > 1 && (dp % ep !== 0 || experts % ep !== 0)) {
    notes.push(`Expert parallel size ${ep} must divide the data-parallel size ${dp} and the ${experts} experts; ranks hold ⌈experts / EP⌉ experts.`);
  }
  const heads = job.model.num_kv_heads;
  if (tp > 1 && (job.model.num_heads % tp !== 0 || heads % tp !== 0)) {
    notes.push(`Tensor parallel size ${tp} does not divide the attention heads (${job.model.num_heads} query, ${heads} key/value); Megatron-LM requires it.`);
  }
  if (pp > 1 && job.model.num_layers % pp !== 0) {
    notes.push(`${job.model.num_layers} layers over ${pp} pipeline stages: the fullest stage holds ${Math.ceil(job.model.num_layers / pp)}.`);
  }
  const microBatches = pp > 1 ? degree(p?.pipeline_micro_batches ?? job.grad_accum, 'Pipeline micro-batch', notes) : 1;
  return {
    degrees: { tp, pp, dp, ep, sp: tp > 1 && (p?.sequence_parallel ?? false), schedule: p?.pipeline_schedule ?? '1f1b', micro_batches: microBatches },
    notes,
  };
}

/** Which pipeline stage a rank is: the whole model (no PP), the first or the last stage. */
export type Stage = 'only' | 'first' | 'last';

export function stagesOf(d: Degrees): Stage[] {
  return d.pp > 1 ? ['first', 'last'] : ['only'];
}

/** Parameters one rank holds, with the groupings ZeRO-3 and FSDP gather by. */
export interface RankParams {
  stage: Stage;
  layers: number;
  /** Base (non-adapter) parameters on the rank. */
  base: number;
  /** PEFT-added parameters on the rank. */
  adapter: number;
  /** One decoder layer on the rank (an FSDP unit under the transformer auto-wrap policy). */
  per_layer: number;
  /** Parameters outside the decoder layers (FSDP's root unit: embeddings, final norm, output layer). */
  root: number;
  /** Expert parameters on the rank (part of `base`). */
  experts: number;
  /** The largest single module (DeepSpeed ZeRO-3 fetches parameters module by module). */
  largest_module: number;
  /** Parameters in tensors smaller than the ZeRO-3 persistence threshold (kept whole on every rank). */
  persistent: number;
}

const ROW_PARALLEL = /(^|\.)(o_proj|out_proj|c_proj|down_proj|fc2)$/;
const MLP = /^(mlp\.|fc\d$)/;

/** Tensor sizes of one linear on a TP rank: weight split; bias split when column-parallel, whole when row-parallel. */
function linearTensors(m: LinearModule, tp: number): number[] {
  const w = Math.ceil((m.in * m.out) / tp);
  if (!m.bias) return [w];
  return [w, ROW_PARALLEL.test(m.name) ? m.out : Math.ceil(m.out / tp)];
}

function normTensors(arch: ModelArch): number[] {
  return arch.family === 'llama' ? [arch.hidden_size] : [arch.hidden_size, arch.hidden_size];
}

/** Modules (each a list of tensor sizes) of one decoder layer on a rank. */
function layerModules(arch: ModelArch, d: Degrees): { modules: number[][]; experts: number } {
  const moe = moeLayerParams(arch);
  const linears = layerLinears(arch).filter((m) => !moe || !MLP.test(m.name));
  const modules = linears.map((m) => linearTensors(m, d.tp));
  modules.push(normTensors(arch), normTensors(arch));
  if (moe) {
    const experts = Math.ceil((arch.num_experts ?? 1) / d.ep);
    for (let e = 0; e < experts; e++) modules.push([Math.ceil(moe.per_expert / d.tp)]);
    modules.push([moe.router]);
    return { modules, experts: experts * Math.ceil(moe.per_expert / d.tp) };
  }
  return { modules, experts: 0 };
}

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

/** Parameters PEFT adds to the base model (adapters, prompt encoders, modules_to_save copies). */
export function peftAddedParams(arch: ModelArch, peft: PeftConfig | null): number {
  if (!peft) return 0;
  const c = countParams(arch, peft);
  return c.total - c.by_module.embeddings - c.by_module.layers - c.by_module.final_norm - c.by_module.lm_head;
}

/** Parameters a rank of the given stage holds; `peftParams` from peftAddedParams. */
export function rankParams(arch: ModelArch, peftParams: number, d: Degrees, stage: Stage, persistenceThreshold = 0): RankParams {
  const h = arch.hidden_size;
  const wordEmbedding = Math.ceil((arch.vocab_size * h) / d.tp);
  const positions = arch.family === 'gpt2' ? arch.max_position_embeddings : arch.family === 'opt' ? arch.max_position_embeddings + 2 : 0;
  const root: number[][] = [];
  if (stage !== 'last') root.push([wordEmbedding], ...(positions > 0 ? [[positions * h]] : []));
  if (stage !== 'first') {
    root.push(normTensors(arch));
    // an untied head is its own matrix; tied, it is the embedding (counted above) unless PP puts it on another stage
    if (!arch.tie_word_embeddings || stage === 'last') root.push([wordEmbedding]);
  }
  const { modules: layer, experts } = layerModules(arch, d);
  const layers = Math.ceil(arch.num_layers / d.pp);
  const perLayer = sum(layer.map(sum));
  const rootParams = sum(root.map(sum));
  // no tensor is below a threshold of 0 (ZeRO-3 off): skip the walk over every tensor size
  const persistentOf = (mods: number[][]) => (persistenceThreshold > 0 ? sum(mods.flat().filter((n) => n < persistenceThreshold)) : 0);
  return {
    stage,
    layers,
    base: rootParams + layers * perLayer,
    // PEFT parameters (adapters, prompt encoders, modules_to_save copies), spread like the layers they sit in
    adapter: Math.ceil((peftParams * layers) / arch.num_layers / d.tp),
    per_layer: perLayer,
    experts: layers * experts,
    root: rootParams,
    largest_module: Math.max(...[...root, ...layer].map(sum)),
    persistent: persistentOf(root) + layers * persistentOf(layer),
  };
}

/** The degrees of a single GPU running the whole model: the reference that rank shares are fractions of. */
export const SINGLE: Degrees = { tp: 1, pp: 1, dp: 1, ep: 1, sp: false, schedule: '1f1b', micro_batches: 1 };
