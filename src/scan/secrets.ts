/**
 * What `keyturn scan` looks for: every value of every key's CURRENT, PENDING and PREVIOUS
 * version in its store. The values are registered with the run's redactor as they are read
 * and stay in this process's memory; nothing is written anywhere.
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
  return out;
}
