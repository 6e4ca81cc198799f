/**
 * Replace a file so that a crash at any instant leaves either the old or the new content,
 * never a torn mix: write a temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory so the rename itself is durable.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Stats } from 'node:fs';
import { failpoint, injectedWriteError } from '../../failpoints.js';

/** Temp files are named `<target>.<pid>.<random>.tmp`; a crash can leave one behind. */
export function isTempOf(target: string, name: string): boolean {
  return name.startsWith(`${path.basename(target)}.`) && name.endsWith('.tmp') && /\.\d+\.[0-9a-f]+\.tmp$/.test(name);
}

/**
 * Write `data` to `target` atomically. `beforeRename` runs after the data is durable and
 * before it becomes visible: the last chance to abort (the caller checks it still holds its lock).
 * Returns the stat of the new file (same inode, size and mtime the target now has).
 */
export async function writeFileAtomic(target: string, data: Buffer, beforeRename?: () => Promise<void>): Promise<Stats> {
  const dir = path.dirname(target);
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let renamed = false;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    let stat: Stats;
    try {
      const injected = injectedWriteError();
      if (injected) throw injected;
      await handle.writeFile(data);
      await handle.sync();
      stat = await handle.stat();
    } finally {
      await handle.close();
    }
    await failpoint('store.file.beforeRename');
    if (beforeRename) await beforeRename();
    await fs.rename(temp, target);
    renamed = true;
    await fsyncDir(dir);
    return stat;
  } finally {
    if (!renamed) await fs.unlink(temp).catch(() => {});
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; its rename is already as durable as it gets there.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Remove temp files a crashed writer left behind, older than `olderThanMs`. */
export async function sweepTempFiles(target: string, olderThanMs: number, now: number): Promise<number> {
  const dir = path.dirname(target);
  let removed = 0;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!isTempOf(target, name)) continue;
    const file = path.join(dir, name);
    try {
      const stat = await fs.stat(file);
      if (now - stat.mtimeMs < olderThanMs) continue;
      await fs.unlink(file);
      removed += 1;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}
