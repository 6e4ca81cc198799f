/**
 * `keyturn store rekey`: re-encrypt the whole store under a new master key, holding the store's
 * lock throughout so no rotation writes in between. The store file and the key file cannot be
 * replaced in one atomic step, so the order is chosen for a crash at any instant to leave a
 * store that one of the two keys opens, and a note (`<store>.rekey`, key ids only) that says
 * which:
 *
 *   1. the note: both keys' ids (and, for a key file, where the new key waits)
 *   2. a key file store: the new key in `<keyfile>.new` (0600, atomic)
 *   3. the store re-encrypted under the new key (atomic rename)
 *   4. a key file store: the old key kept in `<keyfile>.old`, then `<keyfile>.new` renamed over the key file
 *   5. the note removed
 *
 * Killed before 3, the store opens with the old key; after 3 with the new one, which the open
 * path finds in `<keyfile>.new` until step 4 (state-file.ts). Run again, rekey reads the note and
 * finishes (after 3) or starts afresh (before 3). With KEYTURN_MASTER_KEY the new key comes from
 * the operator and steps 2 and 4 do not exist; the note then tells the open path which of the
 * two keys the environment should hold.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errors } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import { fsyncDir, sweepTempFiles, writeFileAtomic } from './atomic-write.js';
import type { StoreDocument } from './document.js';
import { DEFAULT_LOCK_OPTIONS, acquireFileLock, type LockOptions } from './file-lock.js';
import { isCode, MasterKeySource, type ResolvedKey } from './master-key.js';
import {
  keyIdOf,
  newKeyFileOf,
  oldKeyFileOf,
  readRekeyMarker,
  removeRekeyMarker,
  writeRekeyMarker,
  type RekeyMarker,
} from './rekey-marker.js';
import { quietFileStoreNotices } from './notices.js';
import { StateFile } from './state-file.js';

export interface RekeyOptions {
  /** absolute path of the store file */
  file: string;
  /** absolute path of the key file (used when KEYTURN_MASTER_KEY is not set) */
  keyFile: string;
  env: NodeJS.ProcessEnv;
  /**
   * The new key when the store's key comes from KEYTURN_MASTER_KEY (read by the CLI from a
   * prompt or stdin). Asked for only then: a key file store gets a generated key.
   */
  newKey?: () => Promise<Buffer>;
  /** the instant recorded as the new key's creation */
  now: () => Date;
  /** refuse (throw) on a document that must not be rekeyed now, e.g. a rotation in flight; runs under the lock */
  check?: (doc: StoreDocument) => void;
  lock?: LockOptions;
}

export interface RekeyResult {
  /** rekeyed: a new key now; finished: a rekey interrupted earlier was completed */
  outcome: 'rekeyed' | 'finished';
  /** where the store's key lives from now on */
  mode: 'env' | 'file';
  keyFile?: string;
  /** the replaced key, kept to open older backups (key file stores) */
  oldKeyFile?: string;
  oldKeyId: string;
  newKeyId: string;
  createdAt?: string;
  secrets: number;
  /** a rescue record was laid over the store and made durable first */
  rescueMerged: boolean;
}

export async function rekeyFileStore(options: RekeyOptions): Promise<RekeyResult> {
  const { file, keyFile } = options;
  const keys = new MasterKeySource({ env: options.env, keyFile, storeFile: file });
  const newKeyFile = newKeyFileOf(keyFile);
  const oldKeyFile = oldKeyFileOf(keyFile);
  // this run reports the rekey itself; the open path's note about an interrupted one would only repeat it
  quietFileStoreNotices();
  await fs.access(file).catch((error: unknown) => {
    if (isCode(error, 'ENOENT')) throw errors.usage(`the store file ${file} does not exist yet: there is nothing to rekey`);
  });
  // The env key's new value is asked before the lock is taken (a prompt may take minutes, the lock is stale after 15 s),
  // unless the environment already holds the new key of an interrupted rekey, which is then only finished.
  // The old key is checked first: a wrong one is refused before anyone types a new key.
  if (keys.mode === 'env') await new StateFile(file, keys).read();
  const given = keys.mode === 'env' && options.newKey && !(await finishesOnly(file, keys)) ? await options.newKey() : undefined;
  const lock = await acquireFileLock(`${file}.lock`, options.lock ?? DEFAULT_LOCK_OPTIONS);
  try {
    // temp files of the key files are written only under this lock: any left is a crashed rekey's
    await sweepTempFiles(newKeyFile, 0, Date.now());
    await sweepTempFiles(oldKeyFile, 0, Date.now());
    const state = new StateFile(file, keys);
    const loaded = await state.readForUpdate();
    let doc = loaded.doc;
    if (!loaded.exists) throw errors.usage(`the store file ${file} does not exist yet: there is nothing to rekey`);
    const opened = keys.current!;
    const marker = await readRekeyMarker(file);
    const base = { mode: keys.mode, secrets: Object.keys(doc.secrets).length, rescueMerged: false };
    const fileNames = keys.mode === 'file' ? { keyFile, oldKeyFile } : {};

    if (marker) {
      const finished = await finishInterrupted(marker, opened, keys, state);
      if (finished) {
        return {
          ...base,
          ...fileNames,
          outcome: 'finished',
          oldKeyId: marker.oldKeyId,
          newKeyId: marker.newKeyId,
          createdAt: doc.masterKey?.createdAt,
        };
      }
    }
    options.check?.(doc);

    if (state.rescuePending) {
      // Make the rescue record durable under the old key first (as any write does), so no second file needs the new key.
      await state.write({ ...doc }, true, () => lock.verify(), []);
      ({ doc } = await state.readForUpdate());
      base.rescueMerged = true;
    }

    const oldKey = opened.key;
    const newKey = given ?? randomBytes(32);
    if (newKey.equals(oldKey)) throw errors.usage('the new master key is the key the store is encrypted under now: nothing changed');
    const createdAt = options.now().toISOString();
    const ids = { oldKeyId: keyIdOf(oldKey), newKeyId: keyIdOf(newKey) };
    if (ids.oldKeyId === ids.newKeyId) throw errors.usage('the new master key has the same id as the old one: choose another key');

    await writeRekeyMarker(file, {
      startedAt: createdAt,
      pid: process.pid,
      host: os.hostname(),
      ...ids,
      ...(keys.mode === 'file' ? { newKeyFile } : {}),
    });
    await failpoint('store.rekey.marker');
    if (keys.mode === 'file') {
      await writeKeyFile(newKeyFile, newKey);
      await failpoint('store.rekey.newKeyFile');
    }

    const previous = doc.masterKey ? { previousCreatedAt: doc.masterKey.createdAt } : {};
    const next: StoreDocument = { ...doc, masterKey: { createdAt, ...previous } };
    const source = keys.mode === 'file' ? `the new key file ${newKeyFile}` : 'the new key';
    await state.write(next, true, () => lock.verify(), [], { key: newKey, source });
    await failpoint('store.rekey.store');

    if (keys.mode === 'file') {
      await switchKeyFile(keyFile, newKeyFile, oldKeyFile, oldKey);
      await failpoint('store.rekey.keyFile');
    }
    await removeRekeyMarker(file);
    await failpoint('store.rekey.done');
    return { ...base, ...fileNames, outcome: 'rekeyed', ...ids, createdAt };
  } finally {
    await lock.release().catch(() => false);
  }
}

/**
 * A rekey was interrupted. Re-encrypted already (the store opened with the new key): finish its
 * last steps. Not yet: drop its new key and note, and start a fresh rekey (returns false).
 */
async function finishInterrupted(marker: RekeyMarker, opened: ResolvedKey, keys: MasterKeySource, state: StateFile): Promise<boolean> {
  const openedId = keyIdOf(opened.key);
  const file = state.file;
  if (openedId !== marker.newKeyId) {
    if (marker.newKeyFile) await fs.unlink(marker.newKeyFile).catch(() => undefined);
    await removeRekeyMarker(file);
    return false;
  }
  if (keys.mode === 'file' && opened.interrupted) {
    const keyFile = keys.keyFile;
    const old = await keys.readKeyFile(keyFile);
    if (!old || keyIdOf(old.key) !== marker.oldKeyId) {
      throw errors.masterKey(
        `${keyFile} holds neither the old nor the new key of the interrupted rekey (ids ${marker.oldKeyId}, ${marker.newKeyId})`,
        `the store opens with ${opened.source}: move that file to ${keyFile}`,
      );
    }
    await switchKeyFile(keyFile, newKeyFileOf(keyFile), oldKeyFileOf(keyFile), old.key);
  }
  await removeRekeyMarker(file);
  return true;
}

/** The environment holds the new key of an interrupted rekey: nothing to ask, only its note to remove. */
async function finishesOnly(file: string, keys: MasterKeySource): Promise<boolean> {
  const marker = await readRekeyMarker(file);
  return marker !== undefined && keyIdOf((await keys.forExistingStore()).key) === marker.newKeyId;
}

/** A private key file, complete or absent: written aside, fsync'd, renamed into place. */
async function writeKeyFile(file: string, key: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, Buffer.from(`${key.toString('hex')}\n`));
}

/** Keep the old key beside the key file (for older backups), then move the new key over the key file. */
async function switchKeyFile(keyFile: string, newKeyFile: string, oldKeyFile: string, oldKey: Buffer): Promise<void> {
  await writeKeyFile(oldKeyFile, oldKey);
  await failpoint('store.rekey.oldKeyFile');
  await fs.rename(newKeyFile, keyFile);
  await fsyncDir(path.dirname(keyFile));
}
