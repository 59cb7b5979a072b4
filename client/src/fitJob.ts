/**
 * "TrainLens: Fit this job to…": pick a GPU type and count (the settings by default), ask the
 * server's planner (`trainlens/plan`) for the fastest changes that make the job fit, and apply
 * the chosen plan as one workspace edit across the script, its launcher and its config.
 */
import { commands, window, workspace, type Disposable } from 'vscode';
import { GPUS } from '../../estimator/src/catalog';
import { PlanRequest, type PlanItem } from '../../server/src/lsp/protocol';
import { gib } from '../../server/src/render/units';
import type { ServerController } from './serverController';

export function registerFitCommand(server: ServerController): Disposable {
  return commands.registerCommand('trainlens.fitJob', () => fitJob(server));
}

async function fitJob(server: ServerController): Promise<void> {
  const document = window.activeTextEditor?.document;
  if (!document) {
    void window.showInformationMessage('TrainLens: open a training script first.');
    return;
  }
  const config = workspace.getConfiguration('trainlens', document.uri);
  const current = config.get<string>('gpu');
  const gpu = await window.showQuickPick(
    GPUS.map((g) => ({ label: g.id, description: `${gib(g.memory_bytes)}${g.id === current ? ' (current)' : ''}`, detail: g.name })),
    { title: 'TrainLens: fit this job to… (GPU type)', placeHolder: `Current: ${current}` },
  );
  if (!gpu) return;
  const count = await window.showInputBox({
    title: 'TrainLens: fit this job to… (number of GPUs)',
    value: String(config.get<number>('gpuCount') ?? 1),
    validateInput: (v) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : 'A whole number of GPUs, 1 or more'),
  });
  if (!count) return;
  const result = await server.requestWith(PlanRequest, { uri: document.uri.toString(), gpu: gpu.label, gpus: Number(count), limit: 5 });
  if (result.before_bytes === null) {
    void window.showInformationMessage('TrainLens: no training job TrainLens understands in this file.');
    return;
  }
  if (result.plans.length === 0) {
    void window.showWarningMessage(`TrainLens: no combination of changes makes this job fit ${count} × ${gpu.label}.`);
    return;
  }
  const picked = await window.showQuickPick(
    result.plans.map((plan) => ({ label: plan.title, description: describe(plan), plan })),
    { title: `TrainLens: ${gib(result.before_bytes)} per GPU now; ${gib(result.capacity_bytes)} on ${count} × ${gpu.label}` },
  );
  if (!picked) return;
  if (!picked.plan.edit) {
    void window.showWarningMessage('TrainLens: this plan needs to create a file, which this editor does not allow here; apply it with `trainlens plan` instead.');
    return;
  }
  const applied = await workspace.applyEdit(await server.toCodeEdit(picked.plan.edit));
  if (!applied) {
    void window.showWarningMessage('TrainLens: the editor did not apply the plan (a file changed meanwhile?). Try again.');
    return;
  }
  // the edit leaves the files unsaved (a new config too): say it is done and what to expect once saved
  void window.showInformationMessage(`TrainLens applied: ${picked.plan.title}. Expect ${describe(picked.plan)} on ${count} × ${gpu.label} once the edited files are saved.`);
}

function describe(plan: PlanItem): string {
  return `${gib(plan.per_gpu_total_bytes)} per GPU${plan.fits ? '' : ', does not fit'} · ${plan.step_time_s.toFixed(2)} s per step`;
}
