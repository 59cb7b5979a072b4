/** Command-line parsing for `trainlens`: small, strict, and with messages that say what to type. */
import { GPU_IDS, findGpu } from '../../../estimator/src/catalog';

export class UsageError extends Error {}

export interface CliOptions {
  command: 'check' | 'explain' | 'plan' | 'lsp' | 'help' | 'version';
  files: string[];
  gpu?: string;
  gpus?: number;
  /** A whole launch command for the script (--command). */
  launch?: string;
  format: 'text' | 'json' | 'sarif';
}

export const USAGE = `Usage:
  trainlens check PATH... [--gpu ID] [--gpus N] [--format text|json|sarif]
      Estimate each training script; exit 1 if any job does not fit, 0 if all fit.
      PATH is a file, a folder (its Python files, DeepSpeed JSON configs, trainer YAML configs
      and shell scripts, minus what .trainlensignore files exclude) or a quoted glob such as
      'train/**/*.py'. A shell script is listed only when its launch lines have findings.
  trainlens explain FILE [--gpu ID] [--gpus N] [--command CMD] [--json]
      The job TrainLens understood, where each value came from, and the memory breakdown.
  trainlens plan FILE [--gpu ID] [--gpus N] [--command CMD] [--json]
      The fastest changes that make the job fit (exact ones first, then LoRA/QLoRA, then
      shorter sequences), each with its memory per GPU and step time; exit 1 if none fits.
  trainlens lsp --stdio
      Run the language server over stdio (for editors other than VS Code).

Options:
  --gpu ID       GPU type (default A100-80GB): ${GPU_IDS.join(', ')}
  --gpus N       number of data-parallel GPUs (default 1)
  --command CMD  the whole launch command of the script (e.g. "torchrun --nproc_per_node 4 train.py
                 --per_device_train_batch_size 4"): its launcher flags and script arguments apply,
                 instead of the launchers found in the workspace's shell scripts
  --format F     text (default), json, or sarif (SARIF 2.1.0, for code scanning);
                 --json is short for --format json

Exit codes: 0 all jobs fit, 1 a job does not fit, 2 usage error or unreadable file.
A '# trainlens: gpu=ID gpus=N' comment in a file overrides --gpu/--gpus for that file.`;

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help', files: [], format: 'text' };
  if (command === '--version' || command === 'version') return { command: 'version', files: [], format: 'text' };
  if (command !== 'check' && command !== 'explain' && command !== 'plan' && command !== 'lsp') throw new UsageError(`unknown command "${command}"`);
  const options: CliOptions = { command, files: [], format: 'text' };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--gpu': {
        const id = value();
        const gpu = findGpu(id);
        if (!gpu) throw new UsageError(`unknown GPU "${id}"; known GPUs: ${GPU_IDS.join(', ')}`);
        options.gpu = gpu.id;
        break;
      }
      case '--gpus': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--gpus must be a whole number ≥ 1, got "${v}"`);
        options.gpus = n;
        break;
      }
      case '--format': {
        const f = value();
        if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`--format must be text, json or sarif, got "${f}"`);
        if (f === 'sarif' && command !== 'check') throw new UsageError('--format sarif applies to "trainlens check" only');
        options.format = f;
        break;
      }
      case '--command': {
        const launch = value();
        if (!/\S+\.py\b/.test(launch)) throw new UsageError('--command needs a whole launch command naming the script, e.g. "torchrun --nproc_per_node 4 train.py --per_device_train_batch_size 4"');
        options.launch = launch;
        break;
      }
      case '--json':
        options.format = 'json';
        break;
      case '--stdio':
        if (command !== 'lsp') throw new UsageError('--stdio applies to "trainlens lsp" only');
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
        if (arg.trim() === '') throw new UsageError('an empty argument where a path was expected');
        options.files.push(arg);
    }
  }
  if (command !== 'lsp' && options.files.length === 0) throw new UsageError(`"trainlens ${command}" needs at least one ${command === 'check' ? 'PATH' : 'FILE'}`);
  if ((command === 'explain' || command === 'plan') && options.files.length > 1) throw new UsageError(`"trainlens ${command}" takes one FILE`);
  return options;
}
