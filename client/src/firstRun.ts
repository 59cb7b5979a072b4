/**
 * The commands behind the "Get started with TrainLens" walkthrough: pick the GPU type and count
 * (they write `trainlens.gpu` / `trainlens.gpuCount`), and open a bundled example as an untitled
 * copy, so that trying a quick fix never edits the extension's own files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands, ConfigurationTarget, window, workspace, type Disposable, type ExtensionContext } from 'vscode';
import { GPUS } from '../../estimator/src/catalog';
import { gib } from '../../server/src/render/units';

export function registerFirstRunCommands(context: ExtensionContext): Disposable[] {
  return [
    commands.registerCommand('trainlens.selectGpu', selectGpu),
    commands.registerCommand('trainlens.selectGpuCount', selectGpuCount),
    commands.registerCommand('trainlens.openExample', () => openExample(context.asAbsolutePath('examples'))),
  ];
}

async function selectGpu(): Promise<void> {
  const current = workspace.getConfiguration('trainlens').get<string>('gpu');
  const picked = await window.showQuickPick(
    GPUS.map((gpu) => ({
      label: gpu.id,
      description: `${gib(gpu.memory_bytes)}${gpu.bf16 ? '' : ', no bf16'}${gpu.id === current ? ' (current)' : ''}`,
      detail: gpu.name,
    })),
    // ignoreFocusOut: the walkthrough page re-renders as the step completes, which would otherwise close the pick.
    { title: 'TrainLens: the GPU your jobs run on', placeHolder: `Current: ${current}`, matchOnDetail: true, ignoreFocusOut: true },
  );
  if (picked) await update('gpu', picked.label);
}

async function selectGpuCount(): Promise<void> {
  const current = workspace.getConfiguration('trainlens').get<number>('gpuCount') ?? 1;
  const value = await window.showInputBox({
    title: 'TrainLens: how many GPUs a job runs on (data parallel)',
    value: String(current),
    validateInput: (text) => (/^[1-9]\d{0,4}$/.test(text.trim()) ? undefined : 'A whole number of GPUs, 1 or more'),
  });
  if (value !== undefined) await update('gpuCount', Number(value.trim()));
}

/** Writes where the value is in force: the workspace when it sets the key, else the user settings. */
async function update(key: 'gpu' | 'gpuCount', value: string | number): Promise<void> {
  const config = workspace.getConfiguration('trainlens');
  const inspected = config.inspect(key);
  const target = inspected?.workspaceValue !== undefined ? ConfigurationTarget.Workspace : ConfigurationTarget.Global;
  await config.update(key, value, target);
  void window.showInformationMessage(`TrainLens: trainlens.${key} = ${value} (${target === ConfigurationTarget.Global ? 'user' : 'workspace'} settings)`);
}

async function openExample(folder: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.py')).sort();
  } catch {
    names = [];
  }
  if (names.length === 0) {
    void window.showErrorMessage(`TrainLens: no examples found in ${folder}`);
    return;
  }
  const picked = await window.showQuickPick(names.map((name) => ({ label: name, detail: firstDocLine(join(folder, name)) })), {
    title: 'TrainLens: open an example training script',
  });
  if (!picked) return;
  const document = await workspace.openTextDocument({ language: 'python', content: readFileSync(join(folder, picked.label), 'utf8') });
  await window.showTextDocument(document);
}

/** The first line of the example's docstring: what it shows. */
function firstDocLine(path: string): string | undefined {
  const match = /^"""(.*)$/m.exec(readFileSync(path, 'utf8'));
  return match?.[1].trim() || undefined;
}
