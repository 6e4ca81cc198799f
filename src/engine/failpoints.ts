/**
 * Failpoints: named places where a test can make keyturn fail, crash or stall, in a real
 * process, through the environment: KEYTURN_FAILPOINTS="create:after=kill,restart:before=error".
 * Actions: error (throw), kill (SIGKILL this process, as a crash would), hang (never return).
 * Meant for the crash-safety tests; an operator never sets it.
 */
import { KeyturnError, ExitCode } from '../errors.js';

type Action = 'error' | 'kill' | 'hang';

let parsed: Map<string, Action> | undefined;

function table(): Map<string, Action> {
  if (parsed) return parsed;
  parsed = new Map();
  const spec = process.env.KEYTURN_FAILPOINTS ?? '';
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, action] = item.split('=');
    if (name && (action === 'error' || action === 'kill' || action === 'hang')) parsed.set(name, action);
  }
  return parsed;
}

/** Trigger the failpoint `name` if the environment armed it. `key` narrows it: "create:after@grid-bot". */
export async function failpoint(name: string, key?: string): Promise<void> {
  const points = table();
  if (points.size === 0) return;
  const action = (key !== undefined ? points.get(`${name}@${key}`) : undefined) ?? points.get(name);
  if (!action) return;
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (action === 'hang') await new Promise(() => {});
  throw new KeyturnError('EFAILPOINT', `failpoint ${name} triggered`, ExitCode.rolledBack);
}

/** Tests in the same process re-read the environment. */
export function resetFailpoints(): void {
  parsed = undefined;
}
