/**
 * The stable codes of DeepSpeed config findings (documented in the README, "DeepSpeed configs"),
 * with their severities. Codes are never renumbered; new ones are appended.
 */
import type { EditFix, Finding, Severity } from '../analysis/types';

export const CODES = {
  /** Not valid JSON. */
  DS001: 'error',
  /** A comment: fine for DeepSpeed (hjson), fatal for Hugging Face and accelerate (json.load). */
  DS002: 'warning',
  /** A duplicate key: DeepSpeed raises ValueError. */
  DS003: 'error',
  /** Wrong type, value outside the allowed set or range. */
  DS004: 'error',
  /** Unknown key that DeepSpeed silently ignores (top level, plain-dict sections). */
  DS005: 'warning',
  /** Unknown key in a section DeepSpeed validates strictly (pydantic extra="forbid"): an error at launch. */
  DS006: 'error',
  /** Deprecated key. */
  DS007: 'warning',
  /** fp16 and bf16 both enabled. */
  DS008: 'error',
  /** offload_param below ZeRO stage 3: silently ignored. */
  DS009: 'warning',
  /** The batch invariant train_batch_size = micro × accumulation × data-parallel GPUs does not hold. */
  DS010: 'error',
  /** A hard-coded value that disagrees with the script's TrainingArguments: HF raises at trainer.train(). */
  DS011: 'error',
  /** "auto" where nothing fills it (raw deepspeed.initialize, or a key no integration fills). */
  DS012: 'error',
  /** bf16 enabled for a GPU without bf16. */
  DS013: 'error',
  /** An 8-bit optimizer in the script that ZeRO CPU offload replaces by an fp32 CPU Adam. */
  DS014: 'warning',
  /** offload_optimizer.ratio < 1 below stage 3. */
  DS015: 'error',
  /** optimizer.params.max_grad_norm: a hard error in DeepSpeed 0.19. */
  DS016: 'error',
  /** The job of a script that uses this config does not fit the GPU with it. */
  DS017: 'error',
} as const satisfies Record<string, Severity>;

export type ConfigCode = keyof typeof CODES;

export interface ConfigFindings { findings: Finding[]; editFixes: EditFix[] }
