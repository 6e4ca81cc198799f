/** What one key's rotation (or retirement) came to, for the summary table, JSON and exit code. */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { StepName, Trigger } from '../stores/types.js';

export type ResultOutcome = 'completed' | 'rolled-back' | 'needs-attention' | 'skipped' | 'blocked' | 'retired';

export interface RotationResult {
  key: string;
  trigger: Trigger;
  outcome: ResultOutcome;
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

/** needs attention (3) outranks bad config (2, a blocked key), which outranks a clean rollback (1). */
export function exitCodeFor(results: readonly RotationResult[]): ExitCodeValue {
  if (results.some((r) => r.outcome === 'needs-attention')) return ExitCode.needsAttention;
  if (results.some((r) => r.outcome === 'blocked')) return ExitCode.usage;
  if (results.some((r) => r.outcome === 'rolled-back')) return ExitCode.rolledBack;
  return ExitCode.ok;
}
