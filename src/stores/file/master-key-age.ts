/**
 * Each file store's master key against its cryptoperiod (`masterKeyPeriod`), for `status`,
 * `report` and `audit`. The age counts from the key's record in the encrypted document (a
 * new store's first write, or the last `store rekey`); a store from before keyturn recorded
 * it has an unknown age until its first rekey.
 */
import type { StoreConfig } from '../../config/types.js';
import type { SecretStore } from '../types.js';
import type { FileStoreOptions } from './options.js';

export interface MasterKeyAge {
  store: string;
  /** false: the store has no file yet (its key is made by the first write) */
  exists: boolean;
  /** ISO; absent when not recorded */
  createdAt?: string;
  ageMs?: number;
  /** the declared masterKeyPeriod */
  periodMs?: number;
  /** how far past its period the key is (0 when within) */
  overdueMs?: number;
  /** the store could not be read (a store no key uses is not read by anything else, so this is where it shows) */
  error?: string;
}

interface WithMasterKey {
  masterKey(): Promise<{ exists: boolean; createdAt?: string }>;
}

function hasMasterKey(store: SecretStore): store is SecretStore & WithMasterKey {
  return typeof (store as Partial<WithMasterKey>).masterKey === 'function';
}

export async function masterKeyAges(
  stores: Record<string, StoreConfig>,
  open: (name: string) => Promise<SecretStore>,
  now: Date,
): Promise<MasterKeyAge[]> {
  const out: MasterKeyAge[] = [];
  for (const config of Object.values(stores)) {
    if (config.type !== 'file') continue;
    let read: { exists: boolean; createdAt?: string };
    try {
      const store = await open(config.name);
      if (!hasMasterKey(store)) continue;
      read = await store.masterKey();
    } catch (error) {
      out.push({ store: config.name, exists: false, error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const { exists, createdAt } = read;
    const periodMs = (config.settings as FileStoreOptions | undefined)?.masterKeyPeriod;
    const age: MasterKeyAge = { store: config.name, exists, ...(periodMs === undefined ? {} : { periodMs }) };
    if (createdAt !== undefined) {
      age.createdAt = createdAt;
      age.ageMs = Math.max(0, now.getTime() - Date.parse(createdAt));
      if (periodMs !== undefined) age.overdueMs = Math.max(0, age.ageMs - periodMs);
    }
    out.push(age);
  }
  return out;
}
