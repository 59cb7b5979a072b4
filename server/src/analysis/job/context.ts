/**
 * What every field reader shares while a script is read into a job: the facts, the evaluator,
 * the values found so far with their provenance, and the hover anchors.
 */
import type { Node } from 'web-tree-sitter';
import { callsNamed, type CallFact, type PythonFacts } from '../../python/facts';
import type { Evaluator, PyValue } from '../../python/evaluate';
import { keyword, type KeywordValue } from '../../python/call-args';
import { DATACLASS_PARSERS } from '../../python/parser-config';
import type { WorkspaceFiles } from '../../workspace/files';
import type { ModelSource } from '../model-source';
import type { DeepSpeedSource } from './deepspeed';
import type { HoverAnchor, JobField, ValueInfo } from '../types';
import { assumed, known, rangeOf } from '../values';

/** Hugging Face training-argument classes; SFTConfig carries TRL's own defaults. */
export const TRAINING_ARGS = ['TrainingArguments', 'Seq2SeqTrainingArguments', 'SFTConfig', 'DPOConfig', 'ORPOConfig', 'KTOConfig'];
export const TRL_CONFIGS = ['SFTConfig', 'DPOConfig', 'ORPOConfig', 'KTOConfig'];

/** Where the fixes edit and where the OOM diagnostic lands. */
export interface JobSites {
  model?: ModelSource;
  trainingArgs?: CallFact;
  gradCheckpointing?: KeywordValue;
  microBatch?: KeywordValue;
  /** The DeepSpeed config the script names, when it was read (fixes edit its JSON file). */
  deepspeed?: DeepSpeedSource;
}

export class JobContext {
  readonly values: Partial<Record<JobField, ValueInfo>> = {};
  readonly anchors: HoverAnchor[] = [];
  readonly sites: JobSites = {};
  readonly trainingArgs?: CallFact;
  /** `HfArgumentParser((..., TrainingArguments))`: training arguments come from the command line. */
  readonly hfParser?: CallFact;

  constructor(
    readonly facts: PythonFacts,
    readonly ev: Evaluator,
    readonly file: string,
    readonly files?: WorkspaceFiles,
  ) {
    this.trainingArgs = callsNamed(facts, ...TRAINING_ARGS)[0];
    this.hfParser = this.trainingArgs ? undefined
      : callsNamed(facts, ...DATACLASS_PARSERS).find((c) => TRAINING_ARGS.some((t) => new RegExp(`\\b${t}\\b`).test(c.args.text)));
    this.sites.trainingArgs = this.trainingArgs;
  }

  /** Training arguments are given: in a call, or parsed from the command line. */
  get hasTrainingArgs(): boolean {
    return !!(this.trainingArgs ?? this.hfParser);
  }

  get isTrl(): boolean {
    const cls = this.trainingArgs?.callee ?? TRL_CONFIGS.find((t) => this.hfParser && new RegExp(`\\b${t}\\b`).test(this.hfParser.args.text));
    return !!cls && TRL_CONFIGS.includes(cls);
  }

  taKeyword(name: string): KeywordValue | undefined {
    if (this.trainingArgs) return keyword(this.ev, this.trainingArgs, name);
    const cli = this.hfParser && (this.ev.parsedArgument(name, this.hfParser.call) ?? this.ev.scriptTrainingArgsDefault(name));
    return cli ? { site: this.hfParser!.call, value: cli } : undefined;
  }

  /** A value set by a piece of code that is not an argument (`model.gradient_checkpointing_enable()`). */
  knownAt(field: JobField, value: unknown, node: Node, reason?: string): void {
    this.values[field] = { value, status: 'known', source: { file: this.file, range: rangeOf(node) }, ...(reason ? { reason } : {}) };
  }

  /** Records a field from an argument, or its default; returns the value used. */
  record<T>(field: JobField, arg: KeywordValue | undefined, read: (v: PyValue) => T | undefined, fallback: T, fallbackReason: string): T {
    if (arg) this.anchors.push({ kind: 'argument', field, range: rangeOf(arg.site) });
    if (arg?.value.ok) {
      const value = read(arg.value.value);
      if (value !== undefined) {
        this.values[field] = known(this.file, value, arg.value);
        return value;
      }
      this.values[field] = assumed(fallback, `\`${arg.site.text}\` is not understood; ${fallbackReason}`, this.file, arg.site);
      return fallback;
    }
    const why = arg && !arg.value.ok ? `${arg.value.reason}; ${fallbackReason}` : `not set; ${fallbackReason}`;
    this.values[field] = assumed(fallback, why, this.file, arg?.site);
    return fallback;
  }

  /** A positive whole number. */
  number(field: JobField, arg: KeywordValue | undefined, fallback: number, fallbackReason: string): number {
    return this.record(field, arg, (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined), fallback, fallbackReason);
  }
}

/**
 * Whether the code at `node` runs, as far as TrainLens can tell: false when an enclosing `if`
 * tests a value that evaluates to false (`if args.grad_ckpt: model.gradient_checkpointing_enable()`).
 */
export function runs(ctx: JobContext, node: Node): boolean {
  for (let child: Node = node, n = node.parent; n; child = n, n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const consequence = n.childForFieldName('consequence');
    const inBody = consequence && child.startIndex >= consequence.startIndex && child.endIndex <= consequence.endIndex;
    const condition = n.childForFieldName('condition');
    if (!inBody || !condition) continue;
    const test = ctx.ev.evaluate(condition);
    if (test.ok && (test.value === false || test.value === 0 || test.value === null || test.value === '')) return false;
  }
  return true;
}

export function positional(ev: Evaluator, call: CallFact, index: number): KeywordValue | undefined {
  const node: Node | undefined = call.positional[index];
  return node ? { site: node, value: ev.evaluate(node) } : undefined;
}
