/**
 * A cross-process mutex on one file: the lock file appears complete (written aside, then
 * linked into place, exclusive like O_EXCL) and holds who took it (pid, host, time, a random
 * token). A lock is stale when its pid is dead on this host, it is older than `staleMs`, or it
 * is empty or torn (only a crash leaves one); a waiter breaks a stale lock and retries with a small jittered
 * backoff, and gives up with ESTORE after `timeoutMs`.
 *
 * Breaking is itself guarded by a short-lived `<lock>.break` file, so two waiters that both
 * saw the same stale lock cannot have the slower one delete the lock the faster one just took.
 *
 * Fairness: a process committing back to back would take the lock again microseconds after
 * releasing it, and a waiter polling every few milliseconds would starve. So a waiter touches
 * `<lock>.want` while it waits, and release() tells the holder someone is waiting; the holder
 * then pauses a few milliseconds before its next acquisition (see group-commit.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { errors } from '../../errors.js';
import { injectedWriteError } from '../../failpoints.js';
import { ioProblem } from './io-error.js';
import { isCode } from './master-key.js';

export interface LockOptions {
  /** a lock older than this is stale even if its holder looks alive (another host, a reused pid) */
  staleMs: number;
  /** give up waiting after this long */
  timeoutMs: number;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { staleMs: 15_000, timeoutMs: 30_000 };

interface LockContent {
  pid: number;
  host: string;
  /** epoch ms when it was taken */
  at: number;
  token: string;
}

export interface FileLock {
  readonly path: string;
  readonly token: string;
  /** Throws ESTORE when the lock file no longer holds our token (someone judged us stale and broke it). */
  verify(): Promise<void>;
  /** True when another process has been waiting for this lock in the last moment. */
  othersWaiting(): Promise<boolean>;
  /** Remove the lock file if it is still ours. Resolves true when another process is waiting for it. */
  release(): Promise<boolean>;
}

/** A waiter refreshes its `.want` mark this often; a mark older than WANT_FRESH_MS is left over from a waiter that is gone. */
const WANT_REFRESH_MS = 100;
const WANT_FRESH_MS = 500;
const MAX_POLL_MS = 5;

export async function acquireFileLock(lockPath: string, options: LockOptions = DEFAULT_LOCK_OPTIONS): Promise<FileLock> {
  const started = Date.now();
  const want = `${lockPath}.want`;
  let announced = 0;
  let delay = 0.5;
  for (;;) {
    const token = randomBytes(12).toString('hex');
    if (await tryCreate(lockPath, token)) {
      if (announced) await fs.unlink(want).catch(() => {});
      return handle(lockPath, token);
    }
    if (Date.now() - announced >= WANT_REFRESH_MS) {
      await fs.writeFile(want, String(process.pid), { mode: 0o600 }).catch(() => {});
      announced = Date.now();
    }

    const holder = await readLock(lockPath);
    if (holder !== 'absent' && isStale(holder, options.staleMs)) {
      await breakStale(lockPath, holder, options.staleMs);
      continue;
    }
    if (Date.now() - started >= options.timeoutMs) {
      const who = holder === 'absent' || holder.pid < 0 ? 'another process' : `pid ${holder.pid} on ${holder.host}`;
      throw errors.store(
        `timed out after ${options.timeoutMs} ms waiting for the lock ${lockPath} held by ${who}`,
        `if no keyturn is running, remove ${lockPath}`,
      );
    }
    // Jitter keeps waiting processes from retrying in lock step.
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

/**
 * The content is written to a private temp file and hard-linked into place: link() fails when
 * the name exists, like O_EXCL, and the lock appears complete or not at all. So an empty or
 * unparsable lock file can only be left by a crash (or a full disk under an older keyturn).
 */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  const content: LockContent = { pid: process.pid, host: os.hostname(), at: Date.now(), token };
  const temp = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      const injected = injectedWriteError();
      if (injected) throw injected;
      await handle.writeFile(JSON.stringify(content));
    } finally {
      await handle.close();
    }
    await fs.link(temp, lockPath);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw errors.storeIo(
      `cannot create the lock ${lockPath}: ${ioProblem(error)}`,
      'check that the store directory exists, is writable and has free space',
    );
  } finally {
    await fs.unlink(temp).catch(() => {});
  }
}

/** A lock file holding garbage (a crash's leftover, see tryCreate) reads as pid -1, aged by its mtime. */
async function readLock(lockPath: string): Promise<LockContent | 'absent'> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'absent';
    throw errors.storeIo(`cannot read the lock ${lockPath}: ${ioProblem(error)}`);
  }
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.at === 'number' &&
      typeof value.token === 'string'
    ) {
      return value as LockContent;
    }
  } catch {
    // fall through
  }
  try {
    const stat = await fs.stat(lockPath);
    return { pid: -1, host: '', at: stat.mtimeMs, token: '' };
  } catch {
    return 'absent';
  }
}

function isStale(holder: LockContent, staleMs: number): boolean {
  // torn or empty: no live writer can leave a lock like that (tryCreate links complete files only)
  if (holder.pid < 0) return true;
  if (Date.now() - holder.at > staleMs) return true;
  return holder.host === os.hostname() && holder.pid > 0 && !pidAlive(holder.pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return !isCode(error, 'ESRCH');
  }
}

async function breakStale(lockPath: string, seen: LockContent, staleMs: number): Promise<void> {
  const guard = `${lockPath}.break`;
  const token = randomBytes(12).toString('hex');
  if (!(await tryCreate(guard, token))) {
    // Someone else is breaking it. Their guard lives for microseconds unless they crashed in between.
    const other = await readLock(guard);
    if (other !== 'absent' && isStale(other, Math.min(staleMs, 5_000))) await fs.unlink(guard).catch(() => {});
    await sleep(1 + Math.random() * 3);
    return;
  }
  try {
    const now = await readLock(lockPath);
    const same = now !== 'absent' && now.token === seen.token && now.at === seen.at && now.pid === seen.pid;
    if (same) await fs.unlink(lockPath).catch(() => {});
  } finally {
    await fs.unlink(guard).catch(() => {});
  }
}

function handle(lockPath: string, token: string): FileLock {
  return {
    path: lockPath,
    token,
    // verify() and othersWaiting() run on every commit: a synchronous read of a tiny local file
    // costs microseconds, a thread-pool round trip several times more.
    async verify() {
      let current: string | undefined;
      try {
        current = (JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockContent>).token;
      } catch {
        current = undefined;
      }
      if (current !== token) {
        throw errors.store(
          `lost the lock ${lockPath} while writing (another process judged it stale)`,
          'raise the lock stale bound if the store is on a slow disk',
        );
      }
    },
    async othersWaiting() {
      try {
        return Date.now() - statSync(`${lockPath}.want`).mtimeMs <= WANT_FRESH_MS;
      } catch {
        return false;
      }
    },
    async release() {
      const now = await readLock(lockPath).catch(() => 'absent' as const);
      if (now !== 'absent' && now.token === token) await fs.unlink(lockPath).catch(() => {});
      return someoneWaits(`${lockPath}.want`);
    },
  };
}

async function someoneWaits(want: string): Promise<boolean> {
  try {
    const stat = await fs.stat(want);
    if (Date.now() - stat.mtimeMs <= WANT_FRESH_MS) return true;
    await fs.unlink(want).catch(() => {});
    return false;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
