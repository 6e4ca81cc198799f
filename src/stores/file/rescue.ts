/**
 * When the store file vanishes or is replaced while this process uses it, what this process
 * wrote would be lost with it: the entries of every key it touched (a rotation in flight, with
 * its journal and the new key's material; rotations it completed, whose old keys are deleted).
 * They are saved beside the store in `<store>.rescue`, encrypted with the store's master key in
 * the store's own format — it is a store that holds only those keys. Nothing recreates the store.
 *
 * The operator restores the store from a backup; a load of that store (same store id) lays the
 * rescued entries over it, and the next write makes that durable and removes the rescue file.
 * The next run then finds the journal and finishes (or undoes) the rotation. Without a backup,
 * renaming the rescue file to the store file keeps the rescued keys.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { errors, type KeyturnError } from '../../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { parseDocument, serializeDocument, type SecretEntry, type StoreDocument } from './document.js';
import { decryptDocument, encryptDocument } from './format.js';
import { ioProblem } from './io-error.js';
import { isCode, type ResolvedKey } from './master-key.js';

export function rescuePathOf(storeFile: string): string {
  return `${storeFile}.rescue`;
}

/** Save `names` of `doc` (without leases: their holder is stopping) as a store of their own. */
export async function saveRescue(file: string, doc: StoreDocument, names: Iterable<string>, key: Buffer): Promise<string[]> {
  const secrets = Object.create(null) as Record<string, SecretEntry>;
  for (const name of names) {
    const entry = doc.secrets[name];
    if (!entry) continue;
    const { lease: _lease, ...rest } = entry;
    secrets[name] = rest;
  }
  const saved = Object.keys(secrets);
  if (!saved.length) return saved;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const rescue: StoreDocument = { format: doc.format, id: doc.id, generation: doc.generation, secrets };
  await writeFileAtomic(file, encryptDocument(serializeDocument(rescue), key));
  return saved;
}

/** The rescue file's document, or undefined when there is none. */
export async function loadRescue(file: string, key: ResolvedKey): Promise<StoreDocument | undefined> {
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw errors.storeIo(`cannot read the rescue record ${file}: ${ioProblem(error)}`);
  }
  return parseDocument(decryptDocument(data, key.key, file, key.source).toString('utf8'), file);
}

export async function rescueExists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The rescued entries laid over the restored store; the result carries the newer generation. */
export function overlay(doc: StoreDocument, rescue: StoreDocument): StoreDocument {
  const secrets = Object.assign(Object.create(null) as Record<string, SecretEntry>, doc.secrets, rescue.secrets);
  const generation = Math.max(doc.generation ?? 0, rescue.generation ?? 0);
  return { format: doc.format, id: doc.id, generation, ...(doc.masterKey ? { masterKey: doc.masterKey } : {}), secrets };
}

/** What happened to the store, what was saved, and what the operator does now. */
export function lostError(storeFile: string, what: string, rescue: { file: string; keys: string[] } | { failed: string }): KeyturnError {
  const restore = `restore ${storeFile} from a backup and run keyturn again`;
  if ('failed' in rescue) {
    return errors.storeLost(
      `the store file ${storeFile} ${what} while keyturn was using it; nothing was recreated, ` +
        `and the rescue record could not be saved: ${rescue.failed}`,
      `${restore}; keys rotated in this run may need their new key from the issuer's console`,
    );
  }
  const saved = rescue.keys.length ? `; what this run wrote (${rescue.keys.join(', ')}) is saved, encrypted, in ${rescue.file}` : '';
  return errors.storeLost(
    `the store file ${storeFile} ${what} while keyturn was using it; nothing was recreated${saved}`,
    rescue.keys.length
      ? `${restore}: it lays the saved state over the restored store and finishes or undoes the rotation in flight` +
          ` (no backup: mv ${rescue.file} ${storeFile} keeps just those keys)`
      : restore,
  );
}

/** A store that cannot be used until the operator restores it: a rescue record waits for it. */
export function waitingRescueError(storeFile: string, rescueFile: string, why: string): KeyturnError {
  return errors.storeLost(
    `${why}, and ${rescueFile} holds the state of a run that lost the store`,
    `restore ${storeFile} from a backup and run keyturn again (no backup: mv ${rescueFile} ${storeFile})`,
  );
}
