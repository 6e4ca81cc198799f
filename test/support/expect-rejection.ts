/**
 * Await a promise that must reject and return what it rejected with; the test fails when it
 * resolved. Given a code, the rejection must also be a KeyturnError with that code.
 */
import { expect } from 'chai';
import { isKeyturnError, type KeyturnError } from '../../src/errors.js';

export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }>;
export async function rejection(promise: Promise<unknown>, code: string): Promise<KeyturnError>;
export async function rejection(promise: Promise<unknown>, code?: string): Promise<unknown> {
  let rejected = false;
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    rejected = true;
    caught = error;
  }
  expect(rejected, code === undefined ? 'expected a rejection, got success' : `expected a rejection with ${code}`).to.equal(true);
  if (code === undefined) return caught;
  expect(isKeyturnError(caught), `expected a KeyturnError, got ${String(caught)}`).to.equal(true);
  const error = caught as KeyturnError;
  expect(error.code, error.message).to.equal(code);
  return error;
}
