/**
 * Secrets come on stdin, never argv (which anyone on the machine can read). Reading stops at
 * a bound so a wrong pipe (a log file, /dev/urandom) fails at once instead of filling memory.
 */
import { errors } from '../errors.js';

/** All of stdin as text; more than `limit` bytes is a usage error saying what stdin was expected to hold. */
export async function readBoundedStdin(limit: number, tooLarge: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw errors.usage(tooLarge);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
