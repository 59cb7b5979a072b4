/**
 * A DeepSpeed config as a script's hover shows it (`deepspeed="ds_config.json"`): what TrainLens
 * read from it, in the terms the estimate uses, and what it could not read.
 */
import { bulletList, code, escapeMarkdown } from '../render/markdown';
import type { DeepSpeedSettings } from './interpret';

export function deepSpeedSummaryMarkdown(label: string, settings: DeepSpeedSettings): string {
  const lines: string[] = [];
  const z = settings.zero;
  if (z) {
    const offload = [z.offload_optimizer !== 'none' ? `optimizer states to ${z.offload_optimizer}` : '', z.offload_param !== 'none' && z.stage === 3 ? `parameters to ${z.offload_param}` : ''].filter(Boolean);
    lines.push(`ZeRO stage ${z.stage}${offload.length ? `, offloading ${offload.join(' and ')}` : ''}`);
  } else lines.push('no zero_optimization (stage 0)');
  if (settings.half) lines.push(`${settings.half} with fp32 master weights`);
  else if (settings.half_auto) lines.push('fp16/bf16: "auto" (from TrainingArguments)');
  const batch = ([['micro-batch per GPU', settings.micro_batch], ['gradient accumulation', settings.grad_accum], ['train batch size', settings.train_batch_size]] as const)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v === 'auto' ? '"auto"' : v}`);
  if (batch.length) lines.push(batch.join(', '));
  if (settings.optimizer) lines.push(`optimizer ${code(settings.optimizer)}`);
  if (settings.gradient_clipping !== undefined) lines.push(`gradient clipping ${settings.gradient_clipping === 'auto' ? '"auto"' : settings.gradient_clipping}`);
  const sections = [`**DeepSpeed config** ${code(label)}`, bulletList(lines)];
  if (settings.problems.length) sections.push(`Not understood:\n\n${bulletList(settings.problems.map(escapeMarkdown))}`);
  return sections.join('\n\n');
}
