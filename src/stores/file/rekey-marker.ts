/**
 * `<store>.rekey`: written by `keyturn store rekey` before it changes anything and removed
 * when it has finished, so a rekey killed half-way leaves a note of the two keys involved.
 * It holds no key: only each key's id (8 hex digits of an HMAC of a fixed text under the
 * key), which tells the two apart and names them in messages without revealing either.
 * The open path reads it when a store does not decrypt, to say which key does.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, fsyncDir } from './atomic-write.js';

export interface RekeyMarker {
  /** ISO time the rekey began */
  startedAt: string;
  pid: number;
  host: string;
  oldKeyId: string;
  newKeyId: string;
  /** the new key's file while the rekey runs (a key file store); absent when the key comes from KEYTURN_MASTER_KEY */
  newKeyFile?: string;
}

export function rekeyMarkerPathOf(storeFile: string): string {
  return `${storeFile}.rekey`;
}

/** The new key waits here until the store is encrypted under it, then takes the key file's name. */
export function newKeyFileOf(keyFile: string): string {
  return `${keyFile}.new`;
}

/** The key a rekey replaced, kept to open backups of the store made before it. */
export function oldKeyFileOf(keyFile: string): string {
  return `${keyFile}.old`;
}

/** A key's public name: 8 hex digits of HMAC-SHA256(key, fixed text). Safe to print; says nothing of the key. */
export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('keyturn master key id').digest('hex').slice(0, 8);
}

export async function readRekeyMarker(storeFile: string): Promise<RekeyMarker | undefined> {
  let text: string;
  try {
    text = await fs.readFile(rekeyMarkerPathOf(storeFile), 'utf8');
  } catch (error) {
    if (codeIs(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RekeyMarker>;
    if (typeof value.oldKeyId === 'string' && typeof value.newKeyId === 'string' && typeof value.startedAt === 'string') {
      const file = typeof value.newKeyFile === 'string' ? { newKeyFile: value.newKeyFile } : {};
      return {
        startedAt: value.startedAt,
        pid: Number(value.pid),
        host: String(value.host),
        oldKeyId: value.oldKeyId,
        newKeyId: value.newKeyId,
        ...file,
      };
    }
  } catch {
    // torn: written atomically, so only a foreign file looks like this; treat it as an unknown rekey
  }
  return { startedAt: 'unknown', pid: 0, host: '', oldKeyId: '', newKeyId: '' };
}

export async function writeRekeyMarker(storeFile: string, marker: RekeyMarker): Promise<void> {
  await writeFileAtomic(rekeyMarkerPathOf(storeFile), Buffer.from(`${JSON.stringify(marker)}\n`));
}

export async function removeRekeyMarker(storeFile: string): Promise<void> {
  await fs.unlink(rekeyMarkerPathOf(storeFile)).catch((error: unknown) => {
    if (!codeIs(error, 'ENOENT')) throw error;
  });
  await fsyncDir(path.dirname(storeFile));
}

function codeIs(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
