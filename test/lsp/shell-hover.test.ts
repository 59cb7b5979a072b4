/**
 * A shell script in the editor, over stdio with the bundled server: a `tune run` of a torchtune built-in
 * config gets TL008 and, on the same range, a hover that says what TrainLens would read once the config
 * is copied, the `tune cp` command and the line pointed at the copy; nothing else in the script has a
 * hover. Following the hover (copy, point the line at it) makes the run readable: the copy's analysis
 * reads every key the hover lists.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter, type Diagnostic, type Position } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { hoverAt } from '../../server/src/lsp/hover';
import { TORCHTUNE_KEYS } from '../../server/src/render/tune-launch';
import { analyzeFile, writeWorkspace } from '../support/workspace';
import { builtBundle, ROOT } from './helpers/build';
import { hoverMarkdown, LspTestClient, positionOf } from './helpers/lspClient';

/** A real torchtune LoRA config (test fixture), standing in for what `tune cp` writes. */
const COPY = readFileSync(join(ROOT, 'test', 'fixtures', 'scripts', 'u1-torchtune-lora-launcher', 'configs', 'llama3_8B_lora.yaml'), 'utf8');

const SCRIPT = [
  '#!/usr/bin/env bash',
  '# LoRA on two GPUs with the recipe\'s own config',
  'set -euo pipefail',
  'tune run --nproc_per_node 2 lora_finetune_distributed \\',
  '    --config llama3_1/8B_lora \\',
  '    batch_size=4 output_dir="/scratch/my  run"',
  'tune run lora_finetune_single_device --config configs/gone.yaml',
  'torchrun --nproc_per_node 2 train.py',
  '',
].join('\n');

const root = writeWorkspace({ 'scripts/finetune.sh': SCRIPT });
const PATH = join(root, 'scripts', 'finetune.sh');
const URI = pathToFileURL(PATH).href;

let child: ChildProcessWithoutNullStreams;
let client: LspTestClient;

beforeAll(async () => {
  child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: root });
  client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'A100-80GB', gpuCount: 1 }));
  await client.initialize(process.pid, [pathToFileURL(root).href]);
}, 60_000);

afterAll(async () => {
  await client.shutdown();
  await client.exit();
  client.dispose();
});

function inside(d: Diagnostic, p: Position): boolean {
  const after = (a: Position, b: Position) => a.line > b.line || (a.line === b.line && a.character >= b.character);
  return after(p, d.range.start) && after(d.range.end, p);
}

describe('a shell script with tune run lines in the editor', () => {
  let diagnostics: Diagnostic[];

  it('gets TL008 on the built-in config and on the missing one', async () => {
    await client.open(URI, SCRIPT, 'shellscript');
    diagnostics = (await client.waitForDiagnostics(URI, (p) => p.diagnostics.length > 0)).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['TL008', 4], ['TL008', 6]]);
    expect(diagnostics[0].range).toEqual({ start: positionOf(SCRIPT, 'llama3_1/8B_lora'), end: positionOf(SCRIPT, 'llama3_1/8B_lora', 'llama3_1/8B_lora'.length) });
  });

  it('the hover on the built-in config: what TrainLens reads once it is copied, the tune cp command, the line pointed at the copy', async () => {
    const [builtIn] = diagnostics;
    for (const at of [builtIn.range.start, builtIn.range.end, positionOf(SCRIPT, '8B_lora')]) {
      const hover = await client.hover(URI, at);
      expect(hover?.range).toEqual(builtIn.range);
      const md = hoverMarkdown(hover);
      expect(md).toMatch(/^\*\*TrainLens\*\*: `tune run lora_finetune_distributed` with the built-in config `llama3_1\/8B_lora`/);
      expect(md).toContain('does not guess its values, so the model, batch, sequence length, precision and the rest are unknown');
      expect(md).toContain('- model: `model._component_` (the model builder');
      expect(md).toContain('- micro-batch per GPU: `batch_size`');
      expect(md).toContain('- sequence length: `tokenizer.max_seq_len` or `dataset.max_seq_len`');
      expect(md).toContain('From this line it also takes:\n\n- the recipe `lora_finetune_distributed`, 2 processes per node\n');
      expect(md).toContain('- the overrides `batch_size=4`, `output_dir=/scratch/my  run`, applied over the config');
      // the same copy the diagnostic names, and the whole line (torchrun options and overrides kept, quotes untouched)
      const copy = 'tune cp llama3_1/8B_lora ./8B_lora.yaml';
      expect(builtIn.message).toContain(copy);
      expect(md).toContain(`1. copy the config: \`${copy}\``);
      expect(md).toContain('2. point `--config` at the copy:\n\n   `tune run --nproc_per_node 2 lora_finetune_distributed --config ./8B_lora.yaml batch_size=4 output_dir="/scratch/my  run"`');
    }
  });

  it('the hover on the missing config says why and lists what TrainLens would read, with no copy to make', async () => {
    const md = hoverMarkdown(await client.hover(URI, positionOf(SCRIPT, 'configs/gone.yaml', 3)));
    expect(md).toMatch(/^\*\*TrainLens\*\*: `tune run lora_finetune_single_device` with the config `configs\/gone.yaml`/);
    expect(md).toMatch(/gone\.yaml.*TrainLens cannot read this config/);
    expect(md).toContain('- optimizer: `optimizer._component_`');
    expect(md).not.toContain('tune cp');
    expect(md).toMatch(/From this line it also takes:\n\n- the recipe `lora_finetune_single_device`$/);
  });

  it('nothing else in the script has a hover', async () => {
    const elsewhere = [
      { line: 0, character: 3 }, { line: 1, character: 10 }, positionOf(SCRIPT, 'set -euo'), positionOf(SCRIPT, 'tune run'),
      positionOf(SCRIPT, 'lora_finetune_distributed', 4), positionOf(SCRIPT, '--config llama3'), positionOf(SCRIPT, 'batch_size=4', 2),
      positionOf(SCRIPT, 'torchrun'), positionOf(SCRIPT, 'train.py'), { line: 8, character: 0 },
    ];
    for (const at of elsewhere) {
      expect(diagnostics.some((d) => inside(d, at)), JSON.stringify(at)).toBe(false);
      expect(await client.hover(URI, at), JSON.stringify(at)).toBeNull();
    }
  });

  it('after following the hover (the copy made, the line pointed at it), the line has no TL008 and no hover', async () => {
    writeFileSync(join(root, 'scripts', 'my_config.yaml'), COPY);
    const pointed = SCRIPT.replace('llama3_1/8B_lora', './my_config.yaml').replace('configs/gone.yaml', './my_config.yaml');
    writeFileSync(PATH, pointed);
    await client.change(URI, 2, pointed);
    await client.waitForDiagnostics(URI, (p) => p.version === 2 && p.diagnostics.length === 0);
    expect(await client.hover(URI, positionOf(pointed, './my_config.yaml', 3))).toBeNull();
  });
});

describe('the hover in process', () => {
  it('a config named through a variable: the copy to make, and the variable to set', async () => {
    const analyzer = await createAnalyzer();
    try {
      const ws = writeWorkspace({ 'f.sh': 'CFG=llama3_2/1B_lora_single_device\ntune run lora_finetune_single_device --config "$CFG"\n' });
      const analysis = analyzeFile(analyzer, ws, 'f.sh');
      expect(analysis.findings.map((f) => f.code)).toEqual(['TL008']);
      const md = hoverMarkdown(hoverAt(analysis, { line: 1, character: 45 }));
      expect(md).toContain('1. copy the config: `tune cp llama3_2/1B_lora_single_device ./1B_lora_single_device.yaml`');
      expect(md).toContain('2. point `--config` at the copy: this line names the config through a variable; set it to `./1B_lora_single_device.yaml`');
      expect(hoverAt(analysis, { line: 0, character: 2 })).toBeNull();
    } finally {
      analyzer.dispose();
    }
  });
});

describe('what the hover says TrainLens reads from a copied config', () => {
  it('is what the analysis of the copy reads: every listed field cites one of its keys', async () => {
    const analyzer = await createAnalyzer();
    try {
      const ws = writeWorkspace({
        'my_config.yaml': `${COPY}\nfsdp_cpu_offload: False\n`,
        'finetune.sh': 'tune run --nproc_per_node 2 lora_finetune_distributed --config ./my_config.yaml batch_size=4\n',
      });
      const copy = analyzeFile(analyzer, ws, 'my_config.yaml');
      for (const { field, keys } of TORCHTUNE_KEYS) {
        const reason = copy.values[field]?.reason ?? '';
        expect(keys.some((k) => reason.startsWith(`${k}:`) || reason.startsWith(`${k}=`)), `${field}: ${reason}`).toBe(true);
      }
      expect(copy.values.micro_batch?.reason).toBe('batch_size=4 on the command line (finetune.sh line 1)');
      expect(analyzeFile(analyzer, ws, 'finetune.sh').findings).toEqual([]);
    } finally {
      analyzer.dispose();
    }
  });
});
