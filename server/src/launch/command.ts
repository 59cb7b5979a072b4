/**
 * A launch command, read the way its launcher reads it: torchrun (and `python -m
 * torch.distributed.run|launch`), the `deepspeed` launcher, `accelerate launch`, or plain
 * `python script.py`. Launcher flags decide the GPU count; what follows the script is the
 * script's own command line. Flag names and defaults: torch/distributed/run.py,
 * deepspeed/launcher/runner.py, accelerate/commands/launch.py.
 */
import { argKey } from '../python/script-args';
import { words } from './shell';

export type Launcher = 'torchrun' | 'deepspeed' | 'accelerate' | 'python';

export interface LaunchCommand {
  launcher: Launcher;
  /** The script as written ("train.py", "src/train.py"), or the module of a `-m module` run (when asked for). */
  script: string;
  /** `script` is a module run with `-m` (`accelerate launch -m axolotl.cli.train`). */
  module?: boolean;
  /** Processes (= GPUs) per node and nodes, when the launcher states them. */
  gpusPerNode?: number;
  nodes?: number;
  /** Launcher options that matter for memory (accelerate's config file, mixed precision...). */
  launcherOptions: Map<string, string | true>;
  /** The script's own arguments, keyed as argparse names destinations. */
  scriptArgs: Map<string, string | true>;
  /** The script's arguments as written, in order (nanoGPT's configurator reads them as `sys.argv[1:]`). */
  scriptWords?: string[];
  /** `VAR=value` words before the command: set in the launched processes' environment. */
  env?: Map<string, string>;
  /**
   * The launcher appends `--local_rank=<rank>` to each process's arguments: the deepspeed launcher
   * unless `--no_local_rank` (deepspeed/launcher/launch.py), `python -m torch.distributed.launch`
   * unless `--use-env` (torch/distributed/launch.py; `--local-rank` since torch 2.0). torchrun sets
   * LOCAL_RANK in the environment instead.
   */
  passesLocalRank?: boolean;
}

/** Launcher flags that take no value (so the next word is not theirs). */
const BOOLEAN_FLAGS = new Set([
  'standalone', 'no_python', 'module', 'm', 'run_path', 'multi_gpu', 'use_deepspeed', 'use_fsdp', 'use_megatron_lm',
  'cpu', 'debug', 'no_local_rank', 'use_env', 'quiet', 'q', 'u', 'tpu', 'dynamo_use_fullgraph', 'force_multi',
]);

export function parseLaunchCommand(line: string, vars?: Map<string, string>): LaunchCommand | undefined {
  return parseLaunchWords(words(line, vars));
}

/**
 * A launch command from its shell words. With `modules`, a `-m module` run is read too (the module as `script`):
 * trainers run that way read their config from the module's arguments (trainer-launch.ts); a script's launch
 * is always a `.py` file.
 */
export function parseLaunchWords(all: string[], options: { modules?: boolean } = {}): LaunchCommand | undefined {
  const cut = all.findIndex((w) => w === ';' || w === '&' || w === '|');
  let ws = cut >= 0 ? all.slice(0, cut) : all;
  const env = new Map<string, string>();
  while (ws.length && /^[A-Za-z_]\w*=/.test(ws[0])) {
    const [k, ...v] = ws[0].split('=');
    env.set(k, v.join('='));
    ws = ws.slice(1);
  }
  if (ws[0] === 'exec' || ws[0] === 'nohup') ws = ws.slice(1);
  const head = ws[0]?.split('/').pop() ?? '';
  let launcher: Launcher;
  let rest: string[];
  let legacyLaunch = false;
  if (head === 'torchrun') { launcher = 'torchrun'; rest = ws.slice(1); }
  else if (head === 'deepspeed') { launcher = 'deepspeed'; rest = ws.slice(1); }
  else if (head === 'accelerate' && ws[1] === 'launch') { launcher = 'accelerate'; rest = ws.slice(2); }
  else if (/^python(\d(\.\d+)?)?$/.test(head)) {
    const m = ws.indexOf('-m');
    if (m > 0 && /^torch\.distributed\.(run|launch)$/.test(ws[m + 1] ?? '')) { launcher = 'torchrun'; rest = ws.slice(m + 2); legacyLaunch = ws[m + 1] === 'torch.distributed.launch'; }
    else if (m > 0 && ws[m + 1] === 'accelerate.commands.launch') { launcher = 'accelerate'; rest = ws.slice(m + 2); }
    else { launcher = 'python'; rest = ws.slice(1); }
  } else return undefined;

  const launcherOptions = new Map<string, string | true>();
  let i = 0;
  for (; i < rest.length && rest[i].startsWith('-'); i++) {
    const [flag, inline] = splitFlag(rest[i]);
    if (inline !== undefined) launcherOptions.set(flag, inline);
    else if (BOOLEAN_FLAGS.has(flag) || i + 1 >= rest.length || rest[i + 1].startsWith('-')) launcherOptions.set(flag, true);
    else launcherOptions.set(flag, rest[++i]);
  }
  const script = rest[i];
  const module = !!options.modules && (launcherOptions.get('m') === true || launcherOptions.get('module') === true);
  if (!script || !(module || /\.py$/.test(script))) return undefined;
  const scriptWords = rest.slice(i + 1);
  const passesLocalRank = launcher === 'deepspeed' ? !launcherOptions.has('no_local_rank') : legacyLaunch && !launcherOptions.has('use_env');
  const cmd: LaunchCommand = { launcher, script, ...(module ? { module } : {}), launcherOptions, scriptArgs: scriptArguments(scriptWords), scriptWords, env, ...(passesLocalRank ? { passesLocalRank } : {}) };
  countGpus(cmd, env);
  return cmd;
}

function splitFlag(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq > 0 ? [argKey(word.slice(0, eq)), word.slice(eq + 1)] : [argKey(word), undefined];
}

function scriptArguments(ws: string[]): Map<string, string | true> {
  const args = new Map<string, string | true>();
  for (let i = 0; i < ws.length; i++) {
    if (!ws[i].startsWith('--')) continue;
    const [flag, inline] = splitFlag(ws[i]);
    if (inline !== undefined) args.set(flag, inline);
    else if (i + 1 < ws.length && !ws[i + 1].startsWith('--')) args.set(flag, ws[++i]);
    else args.set(flag, true);
  }
  return args;
}

function countGpus(cmd: LaunchCommand, env: Map<string, string>): void {
  const num = (key: string) => {
    const v = cmd.launcherOptions.get(key);
    const n = typeof v === 'string' ? parseInt(v.split(':').pop()!, 10) : NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const visible = env.get('CUDA_VISIBLE_DEVICES')?.split(',').filter(Boolean).length;
  if (cmd.launcher === 'torchrun') {
    cmd.gpusPerNode = num('nproc_per_node') ?? (cmd.launcherOptions.has('nproc_per_node') ? undefined : 1);
    cmd.nodes = num('nnodes') ?? 1;
  } else if (cmd.launcher === 'deepspeed') {
    const include = cmd.launcherOptions.get('include');
    const listed = typeof include === 'string' ? include.split('@').reduce((n, host) => n + (host.split(':')[1]?.split(',').length ?? 0), 0) : 0;
    cmd.gpusPerNode = num('num_gpus') ?? (listed || visible);
    cmd.nodes = num('num_nodes') ?? 1;
  } else if (cmd.launcher === 'accelerate') {
    const total = num('num_processes');
    cmd.nodes = num('num_machines') ?? 1;
    cmd.gpusPerNode = total ? Math.max(1, Math.floor(total / cmd.nodes)) : undefined;
  } else {
    cmd.gpusPerNode = 1;
    cmd.nodes = 1;
  }
}
