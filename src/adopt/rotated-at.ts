/**
 * `keyturn adopt --rotated-at`: a day (2026-01-15, midnight UTC) or an instant with its zone
 * (2026-01-15T09:30:00Z, 2026-01-15T10:30+01:00). A time without a zone is refused (whose 09:30
 * would be a guess), and so is a date after now: a credential cannot be older than nothing.
 */
import { errors } from '../errors.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The date as an ISO instant, or EUSAGE (exit 2) saying what is wrong. */
export function parseRotatedAt(text: string, now: Date): string {
  let at: Date | undefined;
  if (DAY.test(text)) {
    const start = new Date(`${text}T00:00:00.000Z`);
    // 2026-02-30 would parse to March 2nd: a day that does not exist is refused, not moved
    if (!Number.isNaN(start.getTime()) && start.toISOString().startsWith(text)) at = start;
  } else if (INSTANT.test(text)) {
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) at = parsed;
  }
  if (!at) {
    throw errors.usage(
      `--rotated-at must be a date (2026-01-15) or a time with its zone (2026-01-15T09:30:00Z), not ${JSON.stringify(text)}`,
      'a day is taken as midnight UTC',
    );
  }
  if (at.getTime() > now.getTime()) {
    throw errors.usage(
      `--rotated-at ${at.toISOString()} is in the future (now is ${now.toISOString()})`,
      'give the day the credential was created or last changed',
    );
  }
  return at.toISOString();
}
