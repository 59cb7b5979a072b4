/**
 * The accuracy report, docs/accuracy.md: every calibration case (memory measured from real PyTorch training
 * steps, test/fixtures/calibration) with estimate, measurement and error per component, then the published
 * figures the estimator is checked against (scripts/published.ts). `npm run accuracy` writes it
 * (scripts/write-accuracy.mjs); test/estimator/accuracy.test.ts fails when the file differs from this output.
 */
import { estimate } from '../estimator/src/estimate';
import { countParams } from '../estimator/src/params';
import { jobOf, TEST_GPU, type Case } from '../test/estimator/cases';
import { PUBLISHED_CHECKS, type PublishedCheck } from './published';

export interface AccuracyRow {
  case: string;
  component: string;
  measured: number;
  estimated: number;
  /** (estimated − measured) / measured; 0 when both are 0. */
  err: number;
}

/** What each component compares, in the words of the report. */
export const COMPONENTS: Record<string, string> = {
  total_params: 'parameter count',
  trainable_params: 'trainable parameter count',
  weights: 'parameter bytes (`param_bytes`)',
  gradients: '`.grad` bytes, plus the fp32 master gradients of master-weight cases',
  optimizer_states: 'optimizer state after the step (moments, step counters, master weights)',
  activations_saved: 'tensors autograd saves for backward (`activation_bytes`; the CUDA-autocast figure for bf16 autocast)',
  activations_per_layer: 'saved bytes of one decoder layer (the last; `activation_bytes_per_layer`)',
  logits: 'the logits tensor (`logits_bytes`)',
  autocast_casts: "autocast's half weight copies saved for backward (`param_cast_bytes`)",
  activation_peak: 'live bytes at the step peak over persistent state: `activations + autocast_weight_copies` vs max(forward, backward) of `peak_alloc.phase_peak_delta_bytes`',
};

function row(c: Case, component: string, measured: number, estimated: number): AccuracyRow {
  const err = measured === 0 ? (estimated === 0 ? 0 : 1) : (estimated - measured) / measured;
  return { case: c.case_id, component, measured, estimated, err };
}

interface PeakAlloc {
  phase_peak_delta_bytes: Record<string, number>;
}

/** Every component of one calibration case that the measurement covers (analytic cases: no activations). */
export function caseRows(c: Case): AccuracyRow[] {
  const job = jobOf(c);
  const est = estimate(job, TEST_GPU);
  const m = c.measured as Record<string, number>;
  const counts = countParams(job.model, job.peft);
  const rows = [
    row(c, 'total_params', m.total_params, counts.total),
    row(c, 'trainable_params', m.trainable_params, counts.trainable),
    row(c, 'weights', m.param_bytes, est.per_gpu.weights),
    row(c, 'gradients', m.grad_bytes + (c.details.master_grad_bytes ?? 0), est.per_gpu.gradients),
    row(c, 'optimizer_states', m.optimizer_state_bytes, est.per_gpu.optimizer_states),
  ];
  if (c.mode !== 'run') return rows;
  const cuda = c.details.cuda_autocast_emulation as (Case['details']['cuda_autocast_emulation'] & { activation_bytes_per_layer?: number; peak_alloc?: PeakAlloc }) | undefined;
  const perLayer = cuda?.activation_bytes_per_layer ?? (c.details.activation_bytes_per_layer as number | undefined);
  const peak = (cuda?.peak_alloc ?? (c.details.peak_alloc as PeakAlloc)).phase_peak_delta_bytes;
  rows.push(row(c, 'activations_saved', cuda?.activation_bytes ?? m.activation_bytes, est.detail.activations_saved));
  if (perLayer !== undefined && !job.grad_checkpointing) rows.push(row(c, 'activations_per_layer', perLayer, est.detail.activations_per_layer));
  rows.push(
    row(c, 'logits', m.logits_bytes, est.detail.logits),
    row(c, 'autocast_casts', cuda?.param_cast_bytes ?? c.details.param_cast_bytes ?? 0, est.detail.autocast_casts_saved),
    row(c, 'activation_peak', Math.max(peak.forward, peak.backward), est.per_gpu.activations + est.per_gpu.autocast_weight_copies),
  );
  return rows;
}

const pct = (err: number) => `${err >= 0 ? '+' : '−'}${Math.abs(100 * err).toFixed(2)}%`;
const bytes = (n: number) => n.toLocaleString('en-US');

function summaryTable(rows: AccuracyRow[]): string[] {
  const out = ['| component | what is compared | cases | exact | max abs error | mean abs error |', '|---|---|---:|---:|---:|---:|'];
  for (const [component, what] of Object.entries(COMPONENTS)) {
    const rs = rows.filter((r) => r.component === component);
    if (rs.length === 0) continue;
    const abs = rs.map((r) => Math.abs(r.err));
    const exact = rs.filter((r) => r.measured === r.estimated).length;
    const mean = abs.reduce((s, e) => s + e, 0) / abs.length;
    out.push(`| ${component} | ${what} | ${rs.length} | ${exact} | ${(100 * Math.max(...abs)).toFixed(2)}% | ${(100 * mean).toFixed(3)}% |`);
  }
  return out;
}

function caseTables(cases: (Case & { script?: string })[], rows: AccuracyRow[]): string[] {
  const out: string[] = [];
  for (const c of cases) {
    const how = c.mode === 'run' ? 'measured run' : 'analytic count, no activations';
    out.push(`### ${c.case_id}`, '', c.script ? `\`${c.script}\` (${how})` : how, '');
    out.push('| component | measured (bytes or count) | estimate | error |', '|---|---:|---:|---:|');
    for (const r of rows.filter((x) => x.case === c.case_id)) {
      out.push(`| ${r.component} | ${bytes(r.measured)} | ${bytes(r.estimated)} | ${pct(r.err)} |`);
    }
    out.push('');
  }
  return out;
}

function publishedTable(checks: PublishedCheck[]): string[] {
  const out = ['| check | source | published | estimate | error | tolerance |', '|---|---|---:|---:|---:|---:|'];
  for (const p of checks) {
    const est = p.estimate();
    const err = (est - p.published) / p.published;
    const fmt = (n: number) => `${p.format ? p.format(n) : bytes(n)}`;
    const tolerance = p.tolerance === null ? 'not asserted' : p.tolerance === 0 ? 'exact' : `${Number((100 * p.tolerance).toPrecision(2))}%`;
    out.push(`| ${p.name} | ${p.source} | ${fmt(p.published)} | ${fmt(est)} | ${pct(err)} | ${tolerance} |`);
  }
  return out;
}

/**
 * Per decoder layer, the measured saved bytes beside our op-level count and Korthikanti et al. 2022's
 * sbh(34 + 5as/h) (estimator detail korthikanti_per_layer), for the run cases without checkpointing: why the
 * estimator counts ops instead of using the formula (which assumes fp16 activations and dropout everywhere).
 */
function korthikantiTable(cases: Case[]): string[] {
  const out = ['| case | measured | op-level count | Korthikanti | measured / Korthikanti |', '|---|---:|---:|---:|---:|'];
  for (const c of cases) {
    const job = jobOf(c);
    if (c.mode !== 'run' || job.grad_checkpointing) continue;
    const cuda = c.details.cuda_autocast_emulation as { activation_bytes_per_layer?: number } | undefined;
    const measured = cuda?.activation_bytes_per_layer ?? (c.details.activation_bytes_per_layer as number | undefined);
    const d = estimate(job, TEST_GPU).detail;
    if (measured === undefined || !d.korthikanti_per_layer) continue;
    out.push(`| ${c.case_id} | ${bytes(measured)} | ${bytes(d.activations_per_layer)} | ${bytes(d.korthikanti_per_layer)} | ${(measured / d.korthikanti_per_layer).toFixed(2)} |`);
  }
  return out;
}

export function calibrationRows(cases: Case[]): AccuracyRow[] {
  return cases.flatMap(caseRows);
}

/** The whole of docs/accuracy.md. */
export function accuracyMarkdown(cases: Case[], checks: PublishedCheck[] = PUBLISHED_CHECKS): string {
  const rows = calibrationRows(cases);
  return [
    '# Accuracy of the TrainLens estimator',
    '',
    'Generated by `npm run accuracy` (scripts/accuracy.ts); do not edit by hand. A test fails when this file',
    'differs from what the generator prints, so it always matches the estimator in this commit.',
    '',
    'Error = (estimate − measurement) / measurement. The tolerances the tests enforce are in',
    '`test/estimator/calibration.test.ts` (calibration) and in the last column below (published figures).',
    '',
    '## Published figures',
    '',
    'Figures from papers, model cards and vendor announcements, each computed by the estimator; every row with a',
    'tolerance is also a test (`test/estimator/accuracy.test.ts`). Rows marked "not asserted" are known gaps, shown',
    'so that the table is not a selection of the checks that agree: GPU hours depend on the utilization a run',
    'reached, and the hours reported for Llama 3 imply less than the default 40% (estimator/src/compute.ts).',
    '',
    ...publishedTable(checks),
    '',
    '## Calibration: memory of real PyTorch training steps',
    '',
    `${cases.length} cases from \`test/fixtures/calibration/measured.json\` (see its README for how they were measured:`,
    'Hugging Face eager GPT-2 and LLaMA layer code, one training step, tensors counted directly). No CUDA',
    'context or allocator overhead is measured there, so `other` is not compared.',
    '',
    '### Summary by component',
    '',
    ...summaryTable(rows),
    '',
    '### One decoder layer: op-level count and Korthikanti et al. 2022',
    '',
    'Saved bytes of one layer without checkpointing. The formula sbh(34 + 5as/h) (Sec. 4.1) assumes 16-bit',
    'activations, a 4h MLP and dropout after attention and MLP; the measured layers differ in dtype, MLP',
    'shape and dropout, so the estimator counts ops and shows the formula beside its count in the hover.',
    '',
    ...korthikantiTable(cases),
    '',
    '## Every case',
    '',
    ...caseTables(cases, rows),
  ].join('\n');
}
