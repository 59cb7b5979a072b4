/**
 * How a trainer YAML is launched, read from the line as the trainer's CLI reads it (nothing is run):
 *
 * - LLaMA-Factory: `llamafactory-cli train x.yaml key=value ...` (also `lmf`), or any launcher running a script
 *   whose first argument is the YAML (`accelerate launch ... src/train.py x.yaml`, `torchrun ... src/train.py x.yaml`).
 *   llamafactory/launcher.py starts torchrun when FORCE_TORCHRUN is set or the machine has more than one device,
 *   with NPROC_PER_NODE processes (default: the device count) on NNODES nodes; hparams/parser.py `read_args`
 *   merges `OmegaConf.from_cli(sys.argv[2:])` (dotted `key=value` words) over the YAML.
 * - axolotl: `axolotl train x.yml` (cli/main.py: `--launcher accelerate|torchrun|python`, default accelerate;
 *   options it does not know and the words after `--` go to the launcher, config options become `--key=value`
 *   arguments of `-m axolotl.cli.train`, cli/utils/train.py), or the module run directly
 *   (`accelerate launch|torchrun|deepspeed|python -m axolotl.cli.train x.yml --key=value`); cli/config.py
 *   `load_cfg` sets each `--key` over the YAML (`a__b` a nested key), or with `strict: true` only keys the YAML has.
 */
import { basename } from 'node:path';
import { argKey } from '../python/script-args';
import { realOrUndefined, uriToPath, type WorkspaceFiles } from '../workspace/files';
import { parseLaunchWords, type LaunchCommand } from './command';
import { findLaunchIn, unusedLauncher, type FoundLaunch } from './discover';
import { words } from './shell';

export type Trainer = 'llamafactory' | 'axolotl';

export interface TrainerRun {
  trainer: Trainer;
  /** The config as the line writes it. */
  config: string;
  /** Config keys the line sets (dotted where nested), each with its value as written, in order. */
  overrides: Map<string, string>;
  /** How the line runs the trainer ("llamafactory-cli train", "accelerate launch -m axolotl.cli.train"). */
  via: string;
  /** Why the line leaves the GPU count to the machine, where it does. */
  gpusUnstated?: string;
}

const YAML = /\.ya?ml$/i;
const AXOLOTL_MODULE = 'axolotl.cli.train';

/**
 * Options of `axolotl train` that are not config keys: its own (`--launcher`, `--cloud`, `--sweep`, TrainerCliArgs)
 * and the accelerate/torchrun flags it hands to the launcher (axolotl's generated config options name none of these).
 */
const AXOLOTL_OWN = new Set(['launcher', 'cloud', 'sweep', 'debug', 'debug_text_only', 'debug_num_examples', 'prompter', 'shard']);
const AXOLOTL_LAUNCHERS = new Set(['accelerate', 'torchrun', 'python']);
const AXOLOTL_OWN_FLAGS = new Set(['debug', 'debug_text_only', 'shard']);
const LAUNCHER_FLAGS = new Set([
  'num_processes', 'num_machines', 'machine_rank', 'main_process_ip', 'main_process_port', 'config_file', 'mixed_precision',
  'multi_gpu', 'use_deepspeed', 'use_fsdp', 'zero_stage', 'deepspeed_config_file', 'offload_optimizer_device', 'offload_param_device',
  'fsdp_sharding_strategy', 'fsdp_offload_params', 'nproc_per_node', 'nnodes', 'node_rank', 'rdzv_endpoint', 'rdzv_backend', 'rdzv_id',
  'master_addr', 'master_port', 'standalone',
]);
const BARE_LAUNCHER_FLAGS = new Set(['multi_gpu', 'use_deepspeed', 'use_fsdp', 'standalone']);

/**
 * A launch line that runs a trainer on a config: the processes it starts (as parseLaunchWords reads them) and the
 * run. `exported`: variables the launcher file exports before the line, which llamafactory-cli reads as well.
 */
export function parseTrainerLaunch(line: string, vars?: Map<string, string>, exported?: Map<string, { value: string }>): { command: LaunchCommand; run: TrainerRun } | undefined {
  const all = words(line, vars);
  const cut = all.findIndex((w) => w === ';' || w === '&' || w === '|');
  const ws = cut >= 0 ? all.slice(0, cut) : all;
  const env = new Map([...exported ?? []].map(([name, { value }]) => [name, value]));
  let at = 0;
  for (; at < ws.length && /^[A-Za-z_]\w*=/.test(ws[at]); at++) env.set(ws[at].slice(0, ws[at].indexOf('=')), ws[at].slice(ws[at].indexOf('=') + 1));
  if (ws[at] === 'exec' || ws[at] === 'nohup') at++;
  const head = basename(ws[at] ?? '');
  if ((head === 'llamafactory-cli' || head === 'lmf') && ws[at + 1] === 'train') return llamaFactoryCli(ws.slice(at + 2), env, head);
  if (head === 'axolotl' && ws[at + 1] === 'train') return axolotlCli(ws.slice(0, at), ws.slice(at + 2));
  const command = parseLaunchWords(ws, { modules: true });
  const config = command?.scriptWords?.[0];
  if (!command || !config || !YAML.test(config)) return undefined;
  const via = `${command.launcher === 'accelerate' ? 'accelerate launch' : command.launcher}${command.module ? ' -m' : ''} ${command.script}`;
  if (command.module && command.script === AXOLOTL_MODULE) {
    return { command, run: { trainer: 'axolotl', config, overrides: axolotlOverrides(command.scriptWords!.slice(1)), via } };
  }
  // a script handed the YAML first: LLaMA-Factory's src/train.py (read_args takes sys.argv[1])
  if (command.module) return undefined;
  return { command, run: { trainer: 'llamafactory', config, overrides: dotlist(command.scriptWords!.slice(1)), via } };
}

function llamaFactoryCli(rest: string[], env: Map<string, string>, head: string): { command: LaunchCommand; run: TrainerRun } | undefined {
  const config = rest[0];
  if (!config || !YAML.test(config)) return undefined;
  const enabled = (name: string) => ['true', 'y', '1'].includes((env.get(name) ?? '').toLowerCase());
  const count = (name: string) => (/^\d+$/.test(env.get(name) ?? '') && Number(env.get(name)) > 0 ? Number(env.get(name)) : undefined);
  const visibleList = env.get('CUDA_VISIBLE_DEVICES');
  const visible = visibleList === undefined ? undefined : visibleList.split(',').filter((d) => d.trim()).length;
  const perNode = count('NPROC_PER_NODE');
  const nodes = count('NNODES') ?? 1;
  let processes: { gpusPerNode: number; nodes: number } | undefined;
  let gpusUnstated: string | undefined;
  // cli.py: torchrun when FORCE_TORCHRUN is set, or on more than one device unless USE_RAY (then Ray starts the workers)
  if (enabled('FORCE_TORCHRUN') || (!enabled('USE_RAY') && (visible ?? 0) > 1)) {
    const per = perNode ?? (visible || undefined);
    if (per) processes = { gpusPerNode: per, nodes };
    else gpusUnstated = 'FORCE_TORCHRUN without NPROC_PER_NODE or CUDA_VISIBLE_DEVICES: one process per GPU of the machine';
  } else if (enabled('USE_RAY')) gpusUnstated = 'USE_RAY=1: Ray starts the workers (ray_num_workers), not torchrun';
  else if (visible === 1) processes = { gpusPerNode: 1, nodes: 1 }; // one device: the training runs in this process
  else if (visible === 0) gpusUnstated = 'CUDA_VISIBLE_DEVICES is empty: the run sees no GPU';
  else {
    gpusUnstated = `the line sets neither CUDA_VISIBLE_DEVICES nor FORCE_TORCHRUN: llamafactory-cli runs one process per GPU of the machine (torchrun when it has more than one${perNode ? `, then NPROC_PER_NODE=${perNode}` : ''})`;
  }
  const command: LaunchCommand = { launcher: 'torchrun', script: head, launcherOptions: new Map(), scriptArgs: new Map(), scriptWords: rest, env, ...(processes ?? { nodes }) };
  return { command, run: { trainer: 'llamafactory', config, overrides: dotlist(rest.slice(1)), via: `${head} train`, ...(gpusUnstated ? { gpusUnstated } : {}) } };
}

function axolotlCli(prefix: string[], rest: string[]): { command: LaunchCommand; run: TrainerRun } | undefined {
  const config = rest[0];
  if (!config || !YAML.test(config)) return undefined;
  let launcher = 'accelerate';
  const launcherArgs: string[] = [];
  const options: string[] = [];
  for (let i = 1; i < rest.length; i++) {
    if (rest[i] === '--') {
      launcherArgs.push(...rest.slice(i + 1));
      break;
    }
    const eq = rest[i].indexOf('=');
    const key = argKey(eq > 0 ? rest[i].slice(0, eq) : rest[i]);
    const takesNext = eq < 0 && i + 1 < rest.length && !rest[i + 1].startsWith('-');
    if (key === 'launcher') launcher = eq > 0 ? rest[i].slice(eq + 1) : rest[++i] ?? launcher;
    else if (AXOLOTL_OWN.has(key)) { if (takesNext && !AXOLOTL_OWN_FLAGS.has(key)) i++; }
    else if (LAUNCHER_FLAGS.has(key)) launcherArgs.push(rest[i], ...(takesNext && !BARE_LAUNCHER_FLAGS.has(key) ? [rest[++i]] : []));
    else options.push(rest[i]);
  }
  // cli/main.py takes --launcher from a fixed choice: another value stops the command with a usage error, and
  // newer releases' `ray` has Ray start the workers; neither is read as an accelerate launch
  if (!AXOLOTL_LAUNCHERS.has(launcher)) return undefined;
  const start = launcher === 'python' ? ['python'] : launcher === 'torchrun' ? ['torchrun', ...launcherArgs] : ['accelerate', 'launch', ...launcherArgs];
  const command = parseLaunchWords([...prefix, ...start, '-m', AXOLOTL_MODULE, config], { modules: true });
  return command && { command, run: { trainer: 'axolotl', config, overrides: axolotlOverrides(options), via: `axolotl train (--launcher ${launcher})` } };
}

/** `--key=value`, `--key value`, a bare `--key` (true) or `--no-key` (false); `--a__b`/`--a.b` a nested key. */
function axolotlOverrides(ws: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < ws.length; i++) {
    if (!ws[i].startsWith('--')) continue;
    const eq = ws[i].indexOf('=');
    const key = argKey(eq > 0 ? ws[i].slice(0, eq) : ws[i]).replace(/__/g, '.');
    if (eq > 0) out.set(key, ws[i].slice(eq + 1));
    else if (i + 1 < ws.length && !ws[i + 1].startsWith('--')) out.set(key, ws[++i]);
    else if (key.startsWith('no_')) out.set(key.slice(3), 'false');
    else out.set(key, 'true');
  }
  return out;
}

/** OmegaConf.from_cli: each `key=value` word (dotted keys nest); other words are not config keys. */
function dotlist(ws: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of ws) {
    const m = /^([A-Za-z_][\w.]*)=(.*)$/.exec(w);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** The launch of a trainer config, and why a chosen launch command is not one (it runs another file or trainer). */
export interface TrainerLaunchFound { launch?: FoundLaunch; note?: string }

/**
 * The launch of the config at `configUri` for `trainer`: the `command` setting when it runs a trainer (it must
 * name this file), else the workspace's shell scripts (or the one a `# trainlens: launcher=` comment names),
 * with the path matching and `cd` handling of script launches (discover.ts).
 */
export function findTrainerLaunch(configUri: string, files: WorkspaceFiles | undefined, trainer: Trainer, command?: string, launcherRef?: string): TrainerLaunchFound {
  if (command) {
    const parsed = parseTrainerLaunch(command);
    if (!parsed) return {};
    const { run } = parsed;
    if (run.trainer !== trainer) return { note: `the launch command runs ${run.via}, which does not read ${trainer === 'axolotl' ? 'an axolotl' : 'a LLaMA-Factory'} config: not applied` };
    const target = files?.read(run.config, configUri);
    const here = uriToPath(configUri);
    if (target?.ok && here && target.path !== (realOrUndefined(here) ?? here)) return { note: `the launch command trains ${run.config}, not this file: not applied` };
    return { launch: { command: parsed.command, trainer: run, label: '--command', alternatives: [] } };
  }
  const launch = findLaunchIn(configUri, files, (text, vars, exported) => {
    const parsed = parseTrainerLaunch(text, vars, exported);
    return parsed?.run.trainer === trainer ? { command: parsed.command, target: parsed.run.config, trainer: parsed.run } : undefined;
  }, launcherRef);
  if (!launch && launcherRef && files) return { note: unusedLauncher(configUri, files, launcherRef) };
  return launch ? { launch } : {};
}
