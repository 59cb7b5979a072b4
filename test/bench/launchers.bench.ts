/**
 * `npm run bench`: the analysis of a 3,000-line argparse script that 8 shell scripts launch with different
 * flags, after a one-character edit. Each launch other than the first reads the job again (launch agreement,
 * script-job.ts), so the script's calls are looked up by callee name about 8 times as often as with one launch.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, describe } from 'vitest';
import { createAnalyzer } from '../../server/src/analysis/analyzer';
import { createWorkspaceFiles } from '../../server/src/workspace/files';

const LINES = 3000;
const LAUNCHERS = 8;

const main = `
import argparse
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="meta-llama/Llama-2-7b-hf")
parser.add_argument("--per_device_train_batch_size", type=int, default=4)
parser.add_argument("--gradient_accumulation_steps", type=int, default=8)
parser.add_argument("--max_len", type=int, default=2048)
parser.add_argument("--bf16", action="store_true")
cli = parser.parse_args()

model = AutoModelForCausalLM.from_pretrained(cli.model, attn_implementation="sdpa")
model.gradient_checkpointing_enable()
args = TrainingArguments(
    output_dir="out",
    per_device_train_batch_size=cli.per_device_train_batch_size,
    gradient_accumulation_steps=cli.gradient_accumulation_steps,
    bf16=cli.bf16,
    optim="adamw_torch",
)
trainer = Trainer(model=model, args=args, train_dataset=helper_0({"input_ids": []}))
trainer.train()
`;

function script(): string {
  const filler: string[] = [];
  for (let i = 0; filler.length < LINES - 25; i++) {
    filler.push(`def helper_${i}(batch, scale=${i}):`, `    out = [x * scale for x in batch["input_ids"]]`, `    return {"ids": out, "n": len(out) + ${i}}`, '');
  }
  return `${filler.join('\n')}\n${main}`;
}

const root = mkdtempSync(join(tmpdir(), 'trainlens-bench-launchers-'));
mkdirSync(join(root, 'scripts'));
const text = script();
writeFileSync(join(root, 'train.py'), text);
for (let l = 0; l < LAUNCHERS; l++) {
  writeFileSync(join(root, 'scripts', `run_${l}.sh`),
    `#!/bin/bash\ntorchrun --nproc_per_node ${1 + (l % 4)} train.py --per_device_train_batch_size ${1 + l} --max_len ${512 * (1 + (l % 3))}${l % 2 ? ' --bf16' : ''}\n`);
}

const analyzer = await createAnalyzer();
const files = createWorkspaceFiles([root]);
const settings = { gpu: 'A100-80GB', gpus: 1 };
const uri = pathToFileURL(join(root, 'train.py')).href;
// Typing inside `out` in a helper an eighth of the way down, then deleting it again.
const at = text.indexOf('    out', text.indexOf(`def helper_${Math.floor(LINES / 32)}(`)) + 6;
const texts = [text, `${text.slice(0, at)}x${text.slice(at)}`];
let version = 0;
const first = analyzer.analyze({ uri, text, version }, settings, files);
if (!first.job || first.values.micro_batch?.value !== 1 || !first.assumptions.some((a) => a.includes(`one of ${LAUNCHERS} launchers`))) {
  throw new Error(`expected a job read under the first of ${LAUNCHERS} launchers, got ${JSON.stringify(first.assumptions)}`);
}

describe(`analysis of a ${LINES}-line script with ${LAUNCHERS} launchers`, () => {
  bench('after a 1-char edit', () => {
    version++;
    const analysis = analyzer.analyze({ uri, text: texts[version % 2], version }, settings, files);
    if (!analysis.job) throw new Error('the job was lost');
  });
});
