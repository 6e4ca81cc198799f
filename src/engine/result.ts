/** What one key's rotation (or retirement) came to, for the summary table, JSON and exit code. */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { Occasion, Outcome, StepName } from '../model.js';

export interface RotationResult {
  key: string;
  trigger: Occasion;
  outcome: Outcome;
  rotationId?: string;
  oldKeyId?: string;
  newKeyId?: string;
  /** the step that failed */
  failedStep?: StepName;
  /** redacted error message */
  error?: string;
  note?: string;
  /** the old key is deleted after this time (overlap window) */
  retireAfter?: string;
  durationMs: number;
}

/** needs attention (3) outranks bad config (2, a blocked key), which outranks a failure that changed nothing in the end (1). */
export function exitCodeFor(results: readonly RotationResult[]): ExitCodeValue {
  if (results.some((r) => r.outcome === 'needs-attention')) return ExitCode.needsAttention;
  if (results.some((r) => r.outcome === 'blocked')) return ExitCode.usage;
  if (results.some((r) => r.outcome === 'rolled-back' || r.outcome === 'failed')) return ExitCode.failed;
  return ExitCode.ok;
}
