/**
 * ZeRO stage and CPU offload: edited in the DeepSpeed config the script names (a JSON file or a dict literal in
 * the script), or, for a Trainer script without DeepSpeed, written as a new config next to the script and wired
 * in with `deepspeed="..."`.
 */
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { uriToPath } from '../workspace/files';
import type { TrainingJob, ZeroConfig } from '../../../estimator/src/types';
import type { EditIntent } from './intents';
import type { WriterContext } from './context';
import { setJsonKey } from './values';

/** DeepSpeed's offload block for the CPU (zero/offload_config.py: device, pin_memory). */
const CPU_OFFLOAD = '{"device": "cpu", "pin_memory": true}';

export function zero(ctx: WriterContext, job: TrainingJob): EditIntent[] | undefined {
  const target = job.zero;
  if (!target) return undefined;
  if (ctx.script.sites.deepspeed) return editConfig(ctx, target);
  return newConfig(ctx, target);
}

function editConfig(ctx: WriterContext, target: ZeroConfig): EditIntent[] | undefined {
  const current = ctx.script.job?.zero;
  if (!current) return setJsonKey(ctx, ['zero_optimization'], zeroBlock(target));
  const intents: EditIntent[] = [];
  const set = (path: string[], value: string) => {
    const edit = setJsonKey(ctx, ['zero_optimization', ...path], value);
    if (edit) intents.push(...edit);
    return !!edit;
  };
  if (target.stage !== current.stage && !set(['stage'], String(target.stage))) return undefined;
  if (target.offload_optimizer !== current.offload_optimizer && !set(['offload_optimizer'], CPU_OFFLOAD)) return undefined;
  if (target.offload_param !== current.offload_param && !set(['offload_param'], CPU_OFFLOAD)) return undefined;
  return intents;
}

function zeroBlock(z: ZeroConfig): string {
  const parts = [`"stage": ${z.stage}`];
  if (z.offload_optimizer !== 'none') parts.push(`"offload_optimizer": ${CPU_OFFLOAD}`);
  if (z.offload_param !== 'none') parts.push(`"offload_param": ${CPU_OFFLOAD}`);
  return `{${parts.join(', ')}}`;
}

/**
 * A config whose batch, accumulation and precision are "auto": the HF Trainer fills them from TrainingArguments
 * (transformers integrations/deepspeed.py trainer_config_process), so the script stays the one place they are set.
 */
function configText(z: ZeroConfig): string {
  const zeroLines = [`    "stage": ${z.stage}`];
  if (z.offload_optimizer !== 'none') zeroLines.push(`    "offload_optimizer": ${CPU_OFFLOAD}`);
  if (z.offload_param !== 'none') zeroLines.push(`    "offload_param": ${CPU_OFFLOAD}`);
  return [
    '{',
    '  "train_micro_batch_size_per_gpu": "auto",',
    '  "gradient_accumulation_steps": "auto",',
    '  "train_batch_size": "auto",',
    '  "gradient_clipping": "auto",',
    '  "bf16": {"enabled": "auto"},',
    '  "fp16": {"enabled": "auto"},',
    '  "zero_optimization": {',
    zeroLines.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A file name next to the script that no file has yet: ds_config_zero3.json, then ds_config_zero3_2.json... */
function freshName(ctx: WriterContext, z: ZeroConfig): { name: string; uri: string } | undefined {
  const script = uriToPath(ctx.uri);
  if (!script) return undefined;
  const folder = dirname(script);
  const base = `ds_config_zero${z.stage}${z.offload_optimizer !== 'none' ? '_offload' : ''}`;
  for (let i = 1; i < 10; i++) {
    const name = `${base}${i > 1 ? `_${i}` : ''}.json`;
    const read = ctx.files?.read(name, ctx.uri);
    if (read && !read.ok && /not found|no such|ENOENT|does not exist/i.test(read.reason)) return { name, uri: pathToFileURL(`${folder}/${name}`).href };
  }
  return undefined;
}

function newConfig(ctx: WriterContext, z: ZeroConfig): EditIntent[] | undefined {
  const call = ctx.script.sites.trainingArgs;
  if (!call || !ctx.files || ctx.script.job?.fsdp) return undefined;
  const file = freshName(ctx, z);
  if (!file) return undefined;
  return [
    { kind: 'create', uri: file.uri, text: configText(z) },
    { kind: 'keyword', args: call.args, text: `deepspeed=${JSON.stringify(file.name)}` },
  ];
}
