/**
 * Progress without a terminal (CI, a pipe, TERM=dumb): one line per event, written as it
 * happens, never rewritten: `key-1: create`, `key-1: completed in 1.2s`. No colour, no
 * escape sequences, nothing but text a log collector keeps as it is.
 */
import type { Redactor } from '../../log/redactor.js';
import type { ProgressSink } from './sink.js';
import { keyText, outcomeText } from './text.js';

export function plainProgress(write: (line: string) => void, redactor: Redactor): ProgressSink {
  return {
    step: (key, step) => write(`${keyText(key)}: ${step}`),
    note: (key, text) => write(`${keyText(key)}: ${text}`),
    result: (result) => write(`${keyText(result.key)}: ${outcomeText(result, redactor)}`),
    close: async () => undefined,
  };
}
