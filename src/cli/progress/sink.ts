/** What a progress display is told as a run goes: each key's steps, a revoke's deletions, each key's end. */
import type { RotationResult } from '../../engine/result.js';
import type { StepName } from '../../model.js';

export interface ProgressSink {
  /** the key's step begins */
  step(key: string, step: StepName): void;
  /** something worth a note on the key's line (a mass revoke's deletion), already made safe to show */
  note(key: string, text: string): void;
  /** the key's rotation (or retirement) ended */
  result(result: RotationResult): void;
  /** the run is over: the display is finished before the summary is written */
  close(): Promise<void>;
}
