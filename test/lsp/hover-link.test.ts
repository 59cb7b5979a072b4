/**
 * The hover's link to the memory timeline, over stdio with the bundled server: on a script with a
 * step to replay, the simulations' lines end with a `command:trainlens.showTimeline` link whose
 * argument is the hovered document's URI (what the VS Code client runs, trusted for that command
 * only); a script with no training job has no link.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOVER_COMMANDS, SHOW_TIMELINE_COMMAND } from '../../server/src/render/links';
import { builtBundle, ROOT } from './helpers/build';
import { hoverMarkdown, LspTestClient, positionOf } from './helpers/lspClient';

const SCRIPT = join(ROOT, 'examples', 'llama2-7b-full-finetune.py');
const URI = pathToFileURL(SCRIPT).href;
const TEXT = readFileSync(SCRIPT, 'utf8');
/** Every Markdown link whose target is a command: label, command id and decoded arguments. */
const COMMAND_LINK = /\[([^\]]+)\]\(command:([\w.]+)\?([^)\s]+)\)/g;

let child: ChildProcessWithoutNullStreams;
let client: LspTestClient;

beforeAll(async () => {
  child = spawn(process.execPath, [builtBundle('server.js'), '--stdio'], { cwd: ROOT });
  client = new LspTestClient(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin), () => ({ gpu: 'V100-32GB', gpuCount: 1 }));
  await client.initialize(process.pid);
}, 60_000);

afterAll(async () => {
  await client.shutdown();
  await client.exit();
  client.dispose();
});

function commandLinks(markdown: string): { label: string; command: string; args: unknown }[] {
  return [...markdown.matchAll(COMMAND_LINK)].map((m) => ({ label: m[1], command: m[2], args: JSON.parse(decodeURIComponent(m[3])) }));
}

describe('the hover links to the memory timeline', () => {
  it('ends the simulations\' lines with a showTimeline link for this document', async () => {
    await client.open(URI, TEXT);
    await client.waitForDiagnostics(URI, (p) => p.diagnostics.length > 0);
    for (const position of [positionOf(TEXT, '"meta-llama/Llama-2-7b-hf"', 5), positionOf(TEXT, 'TrainingArguments(', 3)]) {
      const markdown = hoverMarkdown(await client.hover(URI, position));
      const links = commandLinks(markdown);
      expect(links, markdown).toEqual([{ label: 'Show the memory timeline', command: SHOW_TIMELINE_COMMAND, args: [URI] }]);
      // on the line after the step timeline's one-line result, in the same paragraph
      const lines = markdown.split('\n');
      const at = lines.findIndex((line) => line.includes(`command:${SHOW_TIMELINE_COMMAND}`));
      expect(lines.slice(0, at).some((line) => line.startsWith('Step timeline: peak'))).toBe(true);
      expect(lines.slice(lines.findIndex((l) => l.startsWith('Step timeline: peak')), at).every((l) => l.trim() !== '')).toBe(true);
    }
    expect(HOVER_COMMANDS).toContain(SHOW_TIMELINE_COMMAND);
  });

  it('links no timeline where there is no estimate to replay', async () => {
    const uri = pathToFileURL(join(ROOT, 'unknown-model.py')).href;
    const text = [
      'import sys',
      'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
      'model = AutoModelForCausalLM.from_pretrained(sys.argv[1])',
      'args = TrainingArguments(output_dir="out", per_device_train_batch_size=4)',
      'Trainer(model=model, args=args).train()',
      '',
    ].join('\n');
    await client.open(uri, text);
    await client.waitForDiagnostics(uri, () => true);
    const markdown = hoverMarkdown(await client.hover(uri, positionOf(text, 'TrainingArguments(output', 3)));
    expect(markdown).toContain('No memory estimate');
    expect(commandLinks(markdown)).toEqual([]);
  });
});
