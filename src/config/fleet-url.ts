/**
 * The queue URL of `fleet.queue.url` as written: a password in it is a secret in the file.
 * Checked before ${ENV} interpolation, which is where the password belongs
 * (url: ${KEYTURN_QUEUE_URL}).
 */
import type { ProblemList } from './problems.js';
import { loose } from './raw-types.js';

export function checkFleetUrl(data: unknown, problems: ProblemList): void {
  const url = loose(loose(loose(data).fleet).queue).url;
  if (typeof url !== 'string' || url.includes('${')) return;
  // postgres://user:password@host/db: a password between the scheme and the host
  if (/^[a-z]+:\/\/[^/@:]*:[^/@]+@/i.test(url))
    problems.add(
      ['fleet', 'queue', 'url'],
      'the queue URL carries a literal password',
      'put the URL in the environment and write url: ${KEYTURN_QUEUE_URL}',
    );
}
