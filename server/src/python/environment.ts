/**
 * What the evaluator knows of the world a script runs in, beside its own text: the environment
 * variables of the launched process, the GPU the estimate is for, the script's command-line words
 * (for nanoGPT's configurator) and the other workspace Python files it may exec. Nothing is run.
 */
import type { Node } from 'web-tree-sitter';
import type { Range } from '../analysis/types';
import { assumedStep, type Evaluated, type Evaluator } from './evaluate';
import type { PythonModules } from './modules';
import type { WorkspaceFiles } from '../workspace/files';

/** An environment variable of the launched process; `value` undefined: set, but not readable from the launch line. */
export interface EnvVar { value: string | undefined; label: string; origin?: { file: string; range: Range } }

/** The script's command line as written in a launcher (or the --command setting). */
export interface ScriptArgv {
  words: string[];
  /** "run.sh line 2", "--command". */
  label: string;
  /** The launcher file; command-line paths resolve from its folder, then the workspace roots. */
  fromUri?: string;
  origin?: { file: string; range: Range };
}

export interface EvalEnvironment {
  /** The script being read. */
  uri?: string;
  /** Environment of the launched process; undefined when no launch command is known. */
  environ?: Map<string, EnvVar>;
  /** Who launches the script ("torchrun in run.sh line 2"), for messages about unset variables. */
  launcher?: string;
  /** The GPU the estimate is for: `torch.cuda.is_bf16_supported()` is answered for it. */
  gpu?: { id: string; bf16: boolean };
  /** GPUs per machine for `torch.cuda.device_count()`: the GPU count setting, and where it was set ("the trainlens.gpuCount setting"). */
  gpuCount?: { value: number; from: string };
  argv?: ScriptArgv;
  files?: WorkspaceFiles;
  modules?: PythonModules;
  /** How deep in files exec'd by files this evaluator reads (configurator.ts bounds it). */
  execDepth?: number;
  /** Names not bound in this file (a config file exec'd by a script reads the script's globals). */
  outer?: (name: string, node: Node, depth: number) => Evaluated | undefined;
}

/** `os.environ["K"]`, `os.environ.get("K", d)`, `os.getenv("K", d)`: the launch's value, else the default. */
export function readEnvironment(ev: Evaluator, env: EvalEnvironment, keyNode: Node, fallback: Node | undefined, node: Node, depth: number): Evaluated {
  const key = ev.evaluate(keyNode, depth + 1);
  if (!key.ok) return key;
  if (typeof key.value !== 'string') return { ok: false, reason: `\`${keyNode.text}\` is not an environment variable name`, node };
  const set = env.environ?.get(key.value);
  if (set?.value !== undefined) {
    return { ok: true, value: set.value, node, via: [`${key.value}=${set.value} ${set.label}`], ...(set.origin ? { origin: set.origin } : {}) };
  }
  if (set) return { ok: false, reason: `${key.value} is ${set.label}, with a value the launch line does not show`, node };
  const unset = env.environ ? `${key.value} is not set by ${env.launcher ?? 'the launch command'}` : `${key.value} is not set by any launcher in the workspace`;
  if (!fallback) return { ok: false, reason: `environment variable ${key.value} is set at run time: ${unset}`, node };
  const def = ev.evaluate(fallback, depth + 1);
  return def.ok ? { ...def, via: [`${unset}: default of environment variable ${key.value}`, ...def.via] } : def;
}

/**
 * `torch.cuda.is_available()` (the estimate is for a CUDA GPU), `is_bf16_supported()` (for that GPU)
 * and `device_count()`: the GPUs of the machine the script runs on, which only the GPU count setting
 * states, so a value derived from it is assumed, not known.
 */
export function cudaQuery(env: EvalEnvironment, node: Node, fn: string | undefined): Evaluated | undefined {
  const gpu = env.gpu;
  if (fn === 'torch.cuda.is_available') return { ok: true, value: true, node, via: [`${fn}() is True: the estimate is for ${gpu?.id ?? 'a CUDA GPU'}`] };
  if (fn === 'torch.cuda.device_count') {
    const count = env.gpuCount;
    return count ? { ok: true, value: count.value, node, via: [assumedStep(`${fn}(): the GPUs on the machine; from ${count.from}`)] } : { ok: false, reason: `${fn}() is the GPUs on the machine the script runs on`, node };
  }
  if (fn !== 'torch.cuda.is_bf16_supported') return undefined;
  if (!gpu) return { ok: false, reason: `${fn}() depends on the GPU`, node };
  return { ok: true, value: gpu.bf16, node, via: [`${fn}() is ${gpu.bf16 ? 'True' : 'False'} on ${gpu.id}`] };
}
