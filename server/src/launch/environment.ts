/**
 * The environment a launched script starts with, as far as the launch line shows it: variables the
 * launcher file exports, `VAR=value` prefixes on the command, and what the launcher itself sets in
 * each worker process. Launcher-set variables win (the launcher writes them into the child's
 * environment last). Per-process values (RANK, LOCAL_RANK) are those of the first process.
 *
 * Sources: torchrun — torch/distributed/elastic/agent/server/local_elastic_agent.py
 * (`_start_workers`: LOCAL_RANK, RANK, GROUP_RANK, ROLE_RANK, LOCAL_WORLD_SIZE, WORLD_SIZE,
 * GROUP_WORLD_SIZE, ROLE_WORLD_SIZE, MASTER_ADDR, MASTER_PORT); the deepspeed launcher —
 * deepspeed/launcher/launch.py (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, CROSS_RANK, CROSS_SIZE,
 * LOCAL_SIZE, RANK, LOCAL_RANK); `accelerate launch` with more than one process runs
 * torch.distributed.run (accelerate/commands/launch.py `multi_gpu_launcher`).
 */
import type { EnvVar } from '../python/environment';
import type { FoundLaunch } from './discover';

export function launchEnvironment(launch: FoundLaunch): Map<string, EnvVar> {
  const env = new Map<string, EnvVar>();
  const at = (line: number) => launch.origin && { file: launch.origin.file, range: { start: { line, character: 0 }, end: { line, character: 0 } } };
  const file = launch.label.replace(/ line \d+$/, '');
  for (const [name, { value, line }] of launch.exported ?? []) {
    const origin = at(line);
    env.set(name, { value, label: `exported in ${file} line ${line + 1}`, ...(origin ? { origin } : {}) });
  }
  for (const [name, value] of launch.command.env ?? []) env.set(name, { value, label: `set on the command line (${launch.label})`, ...(launch.origin ? { origin: launch.origin } : {}) });
  for (const [name, value] of launcherVariables(launch)) {
    env.set(name, { value, label: `set by ${launch.command.launcher} (${launch.label})${/RANK$/.test(name) ? ', first process' : ''}`, ...(launch.origin ? { origin: launch.origin } : {}) });
  }
  return env;
}

/** What the launcher sets in every worker; `undefined` values are set but not readable from the line. */
function launcherVariables(launch: FoundLaunch): Map<string, string | undefined> {
  const { command } = launch;
  const perNode = command.gpusPerNode;
  const nodes = command.nodes ?? 1;
  const world = perNode === undefined ? undefined : String(perNode * nodes);
  const option = (key: string) => {
    const v = command.launcherOptions.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const vars = new Map<string, string | undefined>();
  // accelerate runs one process without torchrun; with its count in a config file, whether it forks is not read here.
  const forks = command.launcher === 'torchrun' || (command.launcher === 'accelerate' && (perNode === undefined || perNode * nodes > 1));
  if (forks) {
    const first = command.launcher === 'accelerate' && perNode === undefined ? undefined : '0';
    for (const name of ['RANK', 'LOCAL_RANK', 'GROUP_RANK', 'ROLE_RANK']) vars.set(name, first);
    vars.set('WORLD_SIZE', world);
    vars.set('ROLE_WORLD_SIZE', world);
    vars.set('LOCAL_WORLD_SIZE', perNode === undefined ? undefined : String(perNode));
    vars.set('GROUP_WORLD_SIZE', String(nodes));
    vars.set('MASTER_ADDR', option('master_addr') ?? option('rdzv_endpoint')?.split(':')[0]);
    vars.set('MASTER_PORT', option('master_port') ?? option('main_process_port'));
  } else if (command.launcher === 'deepspeed') {
    for (const name of ['RANK', 'LOCAL_RANK', 'CROSS_RANK']) vars.set(name, '0');
    vars.set('WORLD_SIZE', world);
    vars.set('LOCAL_SIZE', perNode === undefined ? undefined : String(perNode));
    vars.set('CROSS_SIZE', String(nodes));
    vars.set('MASTER_ADDR', option('master_addr'));
    vars.set('MASTER_PORT', option('master_port'));
  }
  return vars;
}
