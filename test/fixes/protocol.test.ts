/**
 * Every quick fix and the planner through the bundled server over stdio, on fixture workspaces copied to a temp
 * folder: the code action's WorkspaceEdit is applied as an editor would (files created, the script and its configs
 * edited), the result parses (tree-sitter Python / JSON), and the re-analysed document's per-GPU total is the one
 * the fix's title or the plan promised.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { StreamMessageReader, StreamMessageWriter, type CodeAction, type Diagnostic, type TextDocumentEdit, type WorkspaceEdit } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { PlanRequest, type StatusParams } from '../../server/src/lsp/protocol';
import { defaultAssets } from '../../server/src/parsing/assets';
import { loadLanguages } from '../../server/src/parsing/languages';
import { builtBundle, ROOT } from '../lsp/helpers/build';
import { LspTestClient } from '../lsp/helpers/lspClient';

const FIXTURES = join(__dirname, 'fixtures');
const GiB = 2 ** 30;

let child: ChildProcessWithoutNullStreams;
let client: LspTestClient;
let stderr = '';
let workspace: string;
let python: Parser;
let json: Parser;
let version = 1;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'trainlens-fixes-'));
  cpSync(FIXTURES, workspace, { recursive: true });
  const assets = defaultAssets();
  const languages = await loadLanguages(assets.grammarDir, assets.projectRoot);
  python = new Parser();
  python.setLanguage(languages.python);
  json = new Parser();
  json.setLanguage(languages.json);
  child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: ROOT });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'A100-80GB', gpuCount: 1 }));
  await client.initialize(process.pid, [pathToFileURL(workspace).href]);
}, 60_000);

afterAll(async () => {
  await client.shutdown();
  await client.exit();
  client.dispose();
  rmSync(workspace, { recursive: true, force: true });
  expect(stderr).toBe('');
});

/** Puts the fixture folder back as it was (configs and launchers edited by a previous fix, files created). */
function restore(folder: string): void {
  rmSync(join(workspace, folder), { recursive: true, force: true });
  cpSync(join(FIXTURES, folder), join(workspace, folder), { recursive: true });
}

/** Applies a WorkspaceEdit as an editor does; returns the new text of the open script. */
function applyWorkspaceEdit(edit: WorkspaceEdit, scriptUri: string, scriptText: string): { script: string; touched: string[] } {
  let script = scriptText;
  const touched: string[] = [];
  for (const change of edit.documentChanges ?? []) {
    if ('kind' in change) {
      if (change.kind !== 'create') throw new Error(`unexpected ${change.kind} in a fix`);
      writeFileSync(fileURLToPath(change.uri), '');
      continue;
    }
    const { textDocument, edits } = change as TextDocumentEdit;
    const path = fileURLToPath(textDocument.uri);
    const before = textDocument.uri === scriptUri ? script : readFileSync(path, 'utf8');
    const after = TextDocument.applyEdits(TextDocument.create(textDocument.uri, 'text', 0, before), edits);
    if (textDocument.uri === scriptUri) script = after;
    else writeFileSync(path, after);
    touched.push(textDocument.uri);
  }
  return { script, touched };
}

function expectParses(uri: string, text: string): void {
  const parser = uri.endsWith('.json') ? json : uri.endsWith('.py') ? python : undefined;
  if (!parser) return;
  const tree = parser.parse(text)!;
  expect(tree.rootNode.hasError, `${uri} does not parse:\n${text}`).toBe(false);
  tree.delete();
}

/** Sends `text` as the document's next version and waits for the analysis of it. */
async function reanalyse(uri: string, text: string): Promise<StatusParams> {
  const seen = client.statuses.length;
  await client.change(uri, ++version, text);
  await client.waitForDiagnostics(uri, (p) => p.version === version);
  return client.waitForStatus(uri, (s) => client.statuses.indexOf(s) >= seen);
}

async function oomOf(uri: string, text: string): Promise<Diagnostic> {
  await reanalyse(uri, text);
  const published = await client.waitForDiagnostics(uri, (p) => p.version === version);
  const oom = published.diagnostics.find((d) => d.code === 'TL001');
  expect(oom, JSON.stringify(published.diagnostics)).toBeDefined();
  return oom!;
}

const CASES: { folder: string; script: string; expected: string[] }[] = [
  {
    folder: 'trainer', script: 'finetune.py',
    expected: ['enable-gradient-checkpointing', 'halve-micro-batch', 'use-sdpa-attention', 'use-flash-attention', 'use-adamw-8bit', 'use-paged-adamw-8bit',
      'use-adafactor', 'zero-offload-optimizer', 'zero-offload-all', 'use-lora', 'use-qlora', 'shorten-sequence'],
  },
  { folder: 'launcher', script: 'train.py', expected: ['enable-gradient-checkpointing', 'halve-micro-batch', 'zero-stage-2', 'zero-stage-3', 'zero-offload-optimizer', 'zero-offload-all', 'use-adamw-8bit'] },
  { folder: 'loop', script: 'train_loop.py', expected: ['enable-gradient-checkpointing', 'use-lora', 'use-qlora'] },
  { folder: 'fsdp', script: 'train_fsdp.py', expected: ['enable-gradient-checkpointing', 'fsdp-full-shard', 'fsdp-full-shard-offload'] },
  { folder: 'accel-fsdp', script: 'train_accel.py', expected: ['enable-gradient-checkpointing', 'fsdp-full-shard', 'fsdp-full-shard-offload'] },
  { folder: 'hf-fsdp', script: 'finetune_fsdp.py', expected: ['enable-gradient-checkpointing', 'fsdp-full-shard', 'fsdp-full-shard-offload', 'use-lora'] },
  {
    folder: 'dsdict', script: 'pretrain_ds.py',
    expected: ['enable-gradient-checkpointing', 'halve-micro-batch', 'zero-stage-2', 'zero-stage-3', 'zero-offload-optimizer', 'zero-offload-all'],
  },
];

describe.each(CASES)('quick fixes on $folder/$script', ({ folder, script, expected }) => {
  const path = () => join(workspace, folder, script);
  const uri = () => pathToFileURL(path()).href;
  const original = () => readFileSync(join(FIXTURES, folder, script), 'utf8');

  it('offers each fix, titled with its effect; each applied edit parses and re-analyses to the titled total', async () => {
    await client.open(uri(), original());
    const oom = await oomOf(uri(), original());
    const actions = ((await client.codeActions(uri(), oom.range, [oom])) ?? []) as CodeAction[];
    const offered = (oom.data as { fixIds: string[] }).fixIds;
    for (const id of expected) expect(offered, `${id} offered`).toContain(id);
    expect(actions.length).toBe(offered.length);
    for (const action of actions) {
      restore(folder);
      await reanalyse(uri(), original());
      const match = /: ([\d.]+) → ([\d.]+) GiB(, about [+−]\d+% step time)?$/.exec(action.title);
      expect(match, action.title).not.toBeNull();
      const { script: fixed, touched } = applyWorkspaceEdit(action.edit!, uri(), original());
      expect(touched.length, action.title).toBeGreaterThan(0);
      for (const file of touched) expectParses(file, file === uri() ? fixed : readFileSync(fileURLToPath(file), 'utf8'));
      const status = await reanalyse(uri(), fixed);
      expect((status.total_bytes! / GiB).toFixed(1), `${action.title}\n${fixed}`).toBe(match![2]);
    }
    restore(folder);
    await client.close(uri());
  }, 60_000);
});

describe('edits land where the values are set', () => {
  it('micro-batch and accumulation in the launcher; ZeRO in the config, keeping its comment', async () => {
    const uri = pathToFileURL(join(workspace, 'launcher', 'train.py')).href;
    const text = readFileSync(join(FIXTURES, 'launcher', 'train.py'), 'utf8');
    await client.open(uri, text);
    const oom = await oomOf(uri, text);
    const actions = ((await client.codeActions(uri, oom.range, [oom])) ?? []) as CodeAction[];
    const micro = actions.find((a) => a.title.startsWith('Micro-batch 8 with gradient accumulation 4'))!;
    applyWorkspaceEdit(micro.edit!, uri, text);
    expect(readFileSync(join(workspace, 'launcher', 'run.sh'), 'utf8')).toContain('--per_device_train_batch_size 8 \\\n    --gradient_accumulation_steps 4\n');
    restore('launcher');
    const stage3 = actions.find((a) => a.title.startsWith('ZeRO stage 3:'))!;
    applyWorkspaceEdit(stage3.edit!, uri, text);
    const config = readFileSync(join(workspace, 'launcher', 'ds_config.json'), 'utf8');
    expect(config).toContain('// ZeRO-1: optimizer states sharded');
    expect(config).toContain('"stage": 3');
    restore('launcher');
    await client.close(uri);
  });

  it('micro-batch at the constant, accumulation added to TrainingArguments in its layout', async () => {
    const uri = pathToFileURL(join(workspace, 'trainer', 'finetune.py')).href;
    const text = readFileSync(join(FIXTURES, 'trainer', 'finetune.py'), 'utf8');
    await client.open(uri, text);
    const oom = await oomOf(uri, text);
    const actions = ((await client.codeActions(uri, oom.range, [oom])) ?? []) as CodeAction[];
    const micro = actions.find((a) => a.title.startsWith('Micro-batch 4'))!;
    const { script } = applyWorkspaceEdit(micro.edit!, uri, text);
    expect(script).toContain('BATCH = 4  # per GPU\n');
    expect(script).toContain('    fp16=True,  # mixed precision\n    max_steps=1000,\n    gradient_accumulation_steps=2,\n)');
    expect(script.match(/per_device_train_batch_size/g)).toHaveLength(1);
    await client.close(uri);
  });
});

describe('FSDP, DeepSpeed dict configs and custom modules', () => {
  /** The code actions on the job's TL001 diagnostic, by title prefix. */
  async function actionsOf(folder: string, script: string) {
    const uri = pathToFileURL(join(workspace, folder, script)).href;
    const text = readFileSync(join(FIXTURES, folder, script), 'utf8');
    await client.open(uri, text);
    const oom = await oomOf(uri, text);
    const actions = ((await client.codeActions(uri, oom.range, [oom])) ?? []) as CodeAction[];
    return { uri, text, oom, action: (prefix: string) => actions.find((a) => a.title.startsWith(prefix))!, actions };
  }

  it('FSDP(...): full shard and CPU offload written as its arguments, the import added, the comment kept', async () => {
    const { uri, text, action } = await actionsOf('fsdp', 'train_fsdp.py');
    const { script } = applyWorkspaceEdit(action('FSDP full shard with CPU offload:').edit!, uri, text);
    expect(script).toContain('    sharding_strategy=ShardingStrategy.FULL_SHARD,  # keeps parameters gathered from forward to backward\n');
    expect(script).toContain('    device_id=torch.cuda.current_device(),\n    cpu_offload=CPUOffload(offload_params=True),\n)');
    expect(script).toContain('from transformers import AutoModelForCausalLM\nfrom torch.distributed.fsdp import CPUOffload\n');
    expect(script.match(/import ShardingStrategy/g)).toHaveLength(1);
    const status = await reanalyse(uri, script);
    expect(status.total_bytes).toBeLessThan((await reanalyse(uri, text)).total_bytes!);
    await client.close(uri);
  });

  it('TrainingArguments(fsdp="..."): the options rewritten, auto_wrap kept', async () => {
    const { uri, text, action } = await actionsOf('hf-fsdp', 'finetune_fsdp.py');
    const { script } = applyWorkspaceEdit(action('FSDP full shard with CPU offload:').edit!, uri, text);
    expect(script).toContain('    fsdp="full_shard offload auto_wrap",  # wrap each decoder layer\n');
    await client.close(uri);
  });

  it('an accelerate config: fsdp_config keys set in the YAML, the comment and the other keys kept', async () => {
    const { uri, text, action } = await actionsOf('accel-fsdp', 'train_accel.py');
    applyWorkspaceEdit(action('FSDP full shard with CPU offload:').edit!, uri, text);
    const yaml = readFileSync(join(workspace, 'accel-fsdp', 'fsdp.yaml'), 'utf8');
    expect(yaml).toContain('fsdp_config:\n  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP\n  fsdp_sharding_strategy: FULL_SHARD  # faster, more memory\n' +
      '  fsdp_transformer_layer_cls_to_wrap: LlamaDecoderLayer\n  fsdp_offload_params: true\nmixed_precision: bf16\n');
    const status = await reanalyse(uri, text);
    expect(status.fits).toBe(true);
    restore('accel-fsdp');
    await client.close(uri);
  });

  it('a ds_config dict in the script: values replaced and keys added in its layout, as Python', async () => {
    const { uri, text, action } = await actionsOf('dsdict', 'pretrain_ds.py');
    const micro = applyWorkspaceEdit(action('Micro-batch 4 with gradient accumulation 4').edit!, uri, text).script;
    expect(micro).toContain('    "train_micro_batch_size_per_gpu": 4,\n    "gradient_accumulation_steps": 4,\n');
    const offload = applyWorkspaceEdit(action('ZeRO stage 2 with optimizer offload').edit!, uri, text).script;
    expect(offload).toContain('        "stage": 2,  # optimizer states sharded\n        "offload_optimizer": {"device": "cpu", "pin_memory": True},\n    },');
    expect((await reanalyse(uri, offload)).total_bytes).toBeLessThan((await reanalyse(uri, text)).total_bytes!);
    await client.close(uri);
  });

  it('a custom nn.Module: checkpointing is no code action (the analysis keeps it as a hint: test/server/fixes.test.ts)', async () => {
    const { uri, actions } = await actionsOf('custom', 'train_gpt.py');
    expect(actions.map((a) => a.title).join('\n')).not.toMatch(/checkpoint/i);
    await client.close(uri);
  });
});

describe('planner: trainlens/plan', () => {
  it('returns fitting plans, fastest exact one first, and applying one gives the planned total', async () => {
    const uri = pathToFileURL(join(workspace, 'trainer', 'finetune.py')).href;
    const text = readFileSync(join(FIXTURES, 'trainer', 'finetune.py'), 'utf8');
    await client.open(uri, text);
    await reanalyse(uri, text);
    const response = await client.request(PlanRequest, { uri, gpu: 'A100-80GB', gpus: 1, limit: 3 });
    expect(response.before_bytes!).toBeGreaterThan(80 * GiB);
    expect(response.plans.length).toBeGreaterThan(1);
    for (const plan of response.plans) expect(plan.fits).toBe(true);
    const exact = response.plans.filter((p) => !p.changes.some((c) => /lora|sequence/.test(c.id)));
    expect(response.plans.slice(0, exact.length)).toEqual(exact);
    const times = exact.map((p) => p.step_time_s);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const plan of response.plans) {
      restore('trainer');
      const { script, touched } = applyWorkspaceEdit(plan.edit!, uri, text);
      for (const file of touched) expectParses(file, file === uri ? script : readFileSync(fileURLToPath(file), 'utf8'));
      const status = await reanalyse(uri, script);
      expect(status.total_bytes, plan.title).toBe(plan.per_gpu_total_bytes);
      expect(status.fits).toBe(true);
    }
    restore('trainer');
    expect(existsSync(join(workspace, 'trainer', 'ds_config_zero2_offload.json'))).toBe(false);
    await client.close(uri);
  }, 60_000);

  it('plans on 8 GPUs differ from one GPU, and a file without a job says so', async () => {
    const uri = pathToFileURL(join(workspace, 'trainer', 'finetune.py')).href;
    const text = readFileSync(join(FIXTURES, 'trainer', 'finetune.py'), 'utf8');
    await client.open(uri, text);
    const eight = await client.request(PlanRequest, { uri, gpu: 'H100-SXM-80GB', gpus: 8 });
    expect(eight.gpus).toBe(8);
    expect(eight.gpu).toBe('H100-SXM-80GB');
    expect(eight.plans[0].changes.map((c) => c.id)).not.toContain('zero-offload-optimizer');
    await client.close(uri);
    const empty = pathToFileURL(join(workspace, 'empty.py')).href;
    await client.open(empty, 'print("hello")\n');
    const none = await client.request(PlanRequest, { uri: empty });
    expect(none.plans).toEqual([]);
    expect(none.message).toMatch(/no training job/);
    await client.close(empty);
  });
});
