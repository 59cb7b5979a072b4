/**
 * What the analysis of one document produces: the job it understood (with the provenance of every
 * value), the estimate, and the findings and fixes that the LSP features and the CLI render.
 * Positions are LSP-style: 0-based line, 0-based UTF-16 character.
 */
import type { Estimate, Gpu, TrainingJob } from '../../../estimator/src/types';
import type { ConfigView } from '../deepspeed/view';
import type { UnreadableTuneRun } from './torchtune-launch';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

/** The job fields that carry provenance (the JSON contract's `values`). */
export type JobField =
  | 'model' | 'micro_batch' | 'grad_accum' | 'seq_len' | 'precision' | 'amp_style' | 'optimizer'
  | 'grad_checkpointing' | 'attention' | 'peft' | 'gpus' | 'gpu'
  | 'zero' | 'fsdp' | 'quantization' | 'inference' | 'total_steps';

export type ValueStatus = 'known' | 'assumed' | 'unknown';

export interface ValueInfo {
  value: unknown;
  status: ValueStatus;
  /** The text that set the value (for `known`), or the place a default applies to. */
  source?: { file: string; range: Range };
  /** How it was derived ("BATCH = 8 at line 3"), or why it is assumed/unknown. */
  reason?: string;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextEdit { range: Range; newText: string }

/** A change that makes the job cheaper, with the edit that applies it. */
export interface Fix {
  /** Stable id, e.g. "enable-gradient-checkpointing". */
  id: string;
  title: string;
  saves_bytes: number;
  /** Per-GPU total after the fix. */
  total_after_bytes: number;
  fits_after: boolean;
  /** Where the step timeline runs out of memory after the fix, when its component sum fits but the timeline does not. */
  oom_at_after?: string;
  /** Edits in the analysed document. */
  edits: TextEdit[];
  /** Edits in other files (a launcher, the DeepSpeed config), applied together with `edits`. */
  otherEdits?: { uri: string; edits: TextEdit[] }[];
  /** Files the fix creates (a new DeepSpeed config), applied before the edits. */
  creates?: { uri: string; text: string }[];
}

/** A quick fix that only edits text (rename a deprecated key, remove a block): no memory effect to report. */
export interface EditFix { id: string; title: string; edits: TextEdit[] }

export interface Finding {
  /** Stable code, e.g. "TL001". */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  /** Ids of the fixes (in Analysis.fixes) that address this finding. */
  fixIds?: string[];
}

/** Ranges a hover can land on, each naming what it shows. */
export interface HoverAnchor { range: Range; kind: 'model' | 'training-args' | 'argument'; field?: JobField }

export interface Analysis {
  file: string;
  /** null when the document is not a training script TrainLens understands. */
  job: TrainingJob | null;
  values: Partial<Record<JobField, ValueInfo>>;
  gpu: Gpu;
  estimate: Estimate | null;
  findings: Finding[];
  fixes: Fix[];
  /** Human sentences: "sequence length 2048 assumed: not found". */
  assumptions: string[];
  anchors: HoverAnchor[];
  /** Quick fixes without a memory effect; findings name them in fixIds like `fixes`. */
  editFixes?: EditFix[];
  /** Markdown of the DeepSpeed config a script uses, for the hover on `deepspeed=...`. */
  configSummary?: string;
  /** For a job that does not fit: the planner's fastest writable plan that fits (hover line: fixes/build.ts bestPlanLine). */
  bestPlan?: PlanLine;
  /** A DeepSpeed config: its hovers and completions (server/src/deepspeed/view.ts). */
  config?: ConfigView;
  /** A shell script: its `tune run` lines whose config TrainLens cannot read (TL008 on each), for their hover. */
  unreadableTuneRuns?: UnreadableTuneRun[];
}

/** One plan of the planner, as a line: its changes, the per-GPU total after them, and its effect ("93.4 → 71.2 GiB, about +12% step time"). */
export interface PlanLine { title: string; per_gpu_total_bytes: number; step_time_s: number; effect: string }

/** GPU settings: from the editor or CLI flags, overridden by `# trainlens: gpu=... gpus=...`. */
export interface AnalysisSettings {
  gpu: string;
  gpus: number;
  /** A whole launch command for the script (`torchrun --nproc_per_node 4 train.py --lr ...`): overrides launchers found in the workspace. */
  command?: string;
  /** Values to use where the code does not show them (`{"seq_len": "4096"}`; the `trainlens.assume` setting). */
  assume?: Record<string, string>;
}
