/** How the runner reads an error: whether the store can still be used, and what to tell the operator. */
import { isKeyturnError, messageOf } from '../errors.js';
import type { RunContext } from '../context.js';

/**
 * The store cannot be written (disk full, gone, replaced by another). An undo would need it
 * as much as going on would, so the rotation stops where it is, as a crash would stop it: the
 * store (or the file store's rescue record) holds the last checkpoint, and the next run
 * resumes from there once the operator has fixed the store.
 */
export function storeUnusable(error: unknown): boolean {
  return isKeyturnError(error) && (error.code === 'ESTOREIO' || error.code === 'ESTORELOST');
}

/** The message and, when there is one, what to do about it, redacted. */
export function explain(error: unknown, ctx: RunContext): string {
  const hint = isKeyturnError(error) ? error.details.hint : undefined;
  return ctx.redactor.redact(hint ? `${messageOf(error)}; ${hint}` : messageOf(error));
}
