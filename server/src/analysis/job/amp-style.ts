/**
 * `values.amp_style`: how the job applies mixed precision, as a value with provenance like the
 * others. It shares the precision's source and status (the same text decides both) and says, in
 * its reason, which library mechanism keeps which copy. Where the precision is not mixed the
 * style has no effect (estimator/src/types.ts AmpStyle): the value is null, "no mixed precision".
 */
import type { AmpStyle, Precision, TrainingJob } from '../../../../estimator/src/types';
import type { JobField, ValueInfo } from '../types';

type Values = Partial<Record<JobField, ValueInfo>>;

/** What each style keeps (estimator/src/precision.ts counts these bytes). */
const KEEPS: Record<AmpStyle, string> = {
  autocast: 'fp32 parameters, cast to half per op by autocast',
  master_weights: 'half parameters, with an fp32 master copy in the optimizer',
};

/** The value the job's precision and style stand for: the style for a *-mixed precision, else null. */
function styleValue(precision: Precision, style: AmpStyle): AmpStyle | null {
  return precision.endsWith('-mixed') ? style : null;
}

/** The amp_style of a precision just read, with why that evidence means this style. */
export function ampStyleInfo(precisionInfo: ValueInfo, precision: Precision, style: AmpStyle, why: string): ValueInfo {
  const value = styleValue(precision, style);
  const reason = value ? `${why}: ${KEEPS[value]}` : `no mixed precision: ${why}`;
  return { value, status: precisionInfo.status, ...(precisionInfo.source ? { source: precisionInfo.source } : {}), reason };
}

/**
 * After the precision's reading (`ampStyleInfo`), a launcher (accelerate's DeepSpeed or FSDP engine), a
 * `# trainlens:` comment or the `trainlens.assume` setting may change the job's precision or style; then the
 * value follows the job. `stated`: the precision was stated, not read, so a style it implies is TrainLens's
 * default (autocast), assumed.
 */
export function settleAmpStyle(values: Values, job: Pick<TrainingJob, 'precision' | 'amp_style'>, stated = false): void {
  const value = styleValue(job.precision, job.amp_style);
  const precision = values.precision;
  if (!precision || (values.amp_style && values.amp_style.value === value)) return;
  const source = precision.source ? { source: precision.source } : {};
  if (!value) {
    values.amp_style = { value, status: precision.status, ...source, reason: `no mixed precision: ${job.precision} (${precision.reason ?? 'precision'})` };
  } else if (stated) {
    values.amp_style = { value, status: 'assumed', ...source, reason: `the precision ${job.precision} is stated (${precision.reason ?? ''}), not how it is applied: ${KEEPS[value]}` };
  } else {
    values.amp_style = { value, status: precision.status, ...source, reason: `${KEEPS[value]} (precision: ${precision.reason ?? job.precision})` };
  }
}
