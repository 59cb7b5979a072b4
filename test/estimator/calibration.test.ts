/**
 * Calibration: every case of measured.json as a TrainingJob, each component against the measurement.
 *
 * Tolerances (relative error):
 * - weights, gradients, optimizer_states, params: exact (0).
 * - saved activations (detail.activations_saved) vs activation_bytes (CUDA-autocast figure for bf16_autocast):
 *   0.5%; logits (detail.logits) vs logits_bytes: exact; `activations` vs activation_bytes + logits_bytes +
 *   our transient: implied by the two.
 * - autocast_casts_saved vs param_cast_bytes: exact. (`autocast_weight_copies` also includes autocast's cache of
 *   trainable weights during the forward, so it is ≥ param_cast_bytes.)
 * - activation peak (activations + autocast_weight_copies) vs the measured peak_alloc (max of forward/backward
 *   phase peaks, which includes no persistent state on a first step): 12%.
 */
import { describe, expect, it } from 'vitest';
import { estimate } from '../../estimator/src/estimate';
import { countParams } from '../../estimator/src/params';
import { jobOf, loadCases, TEST_GPU, type Case } from './cases';

// peak: 040 (LoRA, bf16, V=32000) measures a second fp32 logits-sized buffer in its forward that we do not model (-11.3%)
const TOL = { exact: 0, saved: 0.005, peak: 0.12 };
const rows: { case: string; component: string; measured: number; estimated: number; err: number }[] = [];
const cases = loadCases();

function check(c: Case, component: string, measured: number, estimated: number, tol: number): void {
  const err = measured === 0 ? (estimated === 0 ? 0 : 1) : (estimated - measured) / measured;
  rows.push({ case: c.case_id, component, measured, estimated, err });
  expect(Math.abs(err), `${c.case_id} ${component}: measured ${measured}, estimated ${estimated}`).toBeLessThanOrEqual(tol);
}

describe.skipIf(cases.length === 0)('calibration against measured.json', () => {
  for (const c of cases) {
    it(c.case_id, () => {
      const job = jobOf(c);
      const est = estimate(job, TEST_GPU);
      const m = c.measured as Record<string, number>;
      const counts = countParams(job.model, job.peft);
      check(c, 'total_params', m.total_params, counts.total, TOL.exact);
      check(c, 'trainable_params', m.trainable_params, counts.trainable, TOL.exact);
      check(c, 'weights', m.param_bytes, est.per_gpu.weights, TOL.exact);
      check(c, 'gradients', m.grad_bytes + (c.details.master_grad_bytes ?? 0), est.per_gpu.gradients, TOL.exact);
      check(c, 'optimizer_states', m.optimizer_state_bytes, est.per_gpu.optimizer_states, TOL.exact);
      if (c.mode !== 'run') return;
      const cuda = c.details.cuda_autocast_emulation;
      check(c, 'activations_saved', cuda?.activation_bytes ?? m.activation_bytes, est.detail.activations_saved, TOL.saved);
      check(c, 'logits', m.logits_bytes, est.detail.logits, TOL.exact);
      check(c, 'autocast_casts', cuda?.param_cast_bytes ?? c.details.param_cast_bytes ?? 0, est.detail.autocast_casts_saved, TOL.exact);
      const peak = ((cuda ?? c.details) as { peak_alloc: { phase_peak_delta_bytes: Record<string, number> } }).peak_alloc;
      const measuredPeak = Math.max(peak.phase_peak_delta_bytes.forward, peak.phase_peak_delta_bytes.backward);
      check(c, 'activation_peak', measuredPeak, est.per_gpu.activations + est.per_gpu.autocast_weight_copies, TOL.peak);
    });
  }

  it('prints the accuracy table', () => {
    const lines = rows.map(
      (r) => `${r.case.padEnd(62)} ${r.component.padEnd(18)} ${String(r.measured).padStart(12)} ${String(r.estimated).padStart(12)} ${(100 * r.err).toFixed(3).padStart(8)}%`,
    );
    console.log(['case'.padEnd(62) + ' component          measured    estimated    error', ...lines].join('\n'));
    expect(rows.length).toBeGreaterThan(0);
  });
});
