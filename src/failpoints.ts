/**
 * Failpoints: named places where a test can make keyturn fail, crash or stall, in a real
 * process, through the environment: KEYTURN_FAILPOINTS="create:after=kill,restart:before=error".
 * Actions: error (throw), kill (SIGKILL this process, as a crash would), hang (never return),
 * enospc (the disk fills up here: this and every later store file write fails with ENOSPC).
 * `name#N` arms only the Nth time the point is reached ("store.writeJournal#2=enospc").
 * Meant for the crash-safety tests; an operator never sets it.
 */
import { KeyturnError, ExitCode } from './errors.js';
import { FAILPOINTS_ENV } from './env-names.js';

type Action = 'error' | 'kill' | 'hang' | 'enospc';
const ACTIONS: readonly string[] = ['error', 'kill', 'hang', 'enospc'];

let parsed: Map<string, Action> | undefined;
const hits = new Map<string, number>();
let diskFull = false;

function table(): Map<string, Action> {
  if (parsed) return parsed;
  parsed = new Map();
  const spec = process.env[FAILPOINTS_ENV] ?? '';
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, action] = item.split('=');
    if (name && action && ACTIONS.includes(action)) parsed.set(name, action as Action);
  }
  return parsed;
}

/** Trigger the failpoint `name` if the environment armed it. `key` narrows it: "create:after@grid-bot". */
export async function failpoint(name: string, key?: string): Promise<void> {
  await trip(name, key);
}

/**
 * The same point, decided without awaiting anything: undefined when the call may go on (nothing
 * armed, or `enospc`, which fails later in the write itself), else the promise the call becomes.
 * The adapter wrapper uses it so an unarmed call reaches the adapter in the same tick.
 */
export function trip(name: string, key?: string): Promise<never> | undefined {
  const points = table();
  if (points.size === 0) return undefined;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  const action = (key !== undefined ? points.get(`${name}@${key}`) : undefined) ?? points.get(`${name}#${hit}`) ?? points.get(name);
  if (!action) return undefined;
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (action === 'hang') return new Promise<never>(() => {});
  if (action === 'enospc') {
    // The call goes on and fails where a full disk would: in the write itself.
    diskFull = true;
    return undefined;
  }
  return Promise.reject(new KeyturnError('EFAILPOINT', `failpoint ${name} triggered`, ExitCode.failed));
}

/** The error a store file write must fail with, once an `enospc` failpoint has filled the disk. */
export function injectedWriteError(): NodeJS.ErrnoException | undefined {
  if (!diskFull) return undefined;
  return Object.assign(new Error('ENOSPC: no space left on device, write (failpoint)'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

/** Tests in the same process re-read the environment. */
export function resetFailpoints(): void {
  parsed = undefined;
  hits.clear();
  diskFull = false;
}
