/**
 * What `keyturn scan` looks for: every value of every key's CURRENT, PENDING and PREVIOUS
 * version in its store, and the admin credentials issuers read from a store (an option
 * `{ store, path }`, e.g. Binance's managementKey: the worst leak of all). The values are
 * registered with the run's redactor as they are read and stay in this process's memory;
 * nothing is written anywhere.
 */
import type { Config } from '../config/types.js';
import { refOf } from '../model.js';
import type { Resources } from '../resources.js';
import type { ManagedSecret, Version } from './matcher.js';

export async function managedSecrets(config: Config, res: Resources): Promise<ManagedSecret[]> {
  const out: ManagedSecret[] = [];
  await Promise.all(
    config.keys.map(async (key) => {
      const store = await res.store(key.store);
      const ref = refOf(key);
      const [current, pending, previous] = await Promise.all([store.current(ref), store.pending(ref), store.previous(ref)]);
      const versions: Array<[Version, typeof current]> = [
        ['CURRENT', current],
        ['PENDING', pending],
        ['PREVIOUS', previous],
      ];
      for (const [version, stored] of versions) {
        if (!stored) continue;
        res.ctx.redactor.addMaterial(stored.material);
        for (const [field, value] of Object.entries(stored.material)) out.push({ key: key.id, field, version, value });
      }
    }),
  );
  for (const issuer of Object.values(config.issuers)) {
    for (const [option, value] of Object.entries(issuer.options)) {
      if (!isStoreRef(value) || !config.stores[value.store]) continue;
      const store = await res.store(value.store);
      const name = option === 'managementKey' ? 'management' : option;
      const stored = await store.current({ store: value.store, path: value.path, key: `${issuer.name}:${name}` });
      if (!stored) continue;
      res.ctx.redactor.addMaterial(stored.material);
      for (const [field, secret] of Object.entries(stored.material)) {
        out.push({ key: `issuer ${issuer.name} ${option}`, field, version: 'CURRENT', value: secret, admin: true });
      }
    }
  }
  return out;
}

function isStoreRef(value: unknown): value is { store: string; path: string } {
  if (!value || typeof value !== 'object') return false;
  const ref = value as Record<string, unknown>;
  return typeof ref.store === 'string' && typeof ref.path === 'string';
}
