/**
 * The old key's last use, for plan and status: only issuers that can tell (IAM's
 * GetAccessKeyLastUsed), read-only, a few at a time, and never fatal: a plan still shows
 * when the issuer cannot be asked.
 */
import type { KeyConfig } from '../config/types.js';
import { mapWithConcurrency } from '../engine/pool.js';
import { messageOf } from '../errors.js';
import type { Issuer, KeyUsage } from '../issuers/types.js';
import type { Resources } from '../resources.js';

export function describeUsage(usage: KeyUsage | undefined): string {
  if (!usage?.at) return 'never used';
  return [usage.at.replace('T', ' ').slice(0, 16), usage.service, usage.region].filter(Boolean).join(', ');
}

/** key id in rotation.yaml → text, for keys whose issuer reports usage */
export async function lastUses(
  keys: Array<{ key: KeyConfig; issuer: Issuer; currentKeyId?: string }>,
  res: Resources,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const askable = keys.filter((entry) => entry.currentKeyId && entry.issuer.lastUsed);
  await mapWithConcurrency(askable, 8, async ({ key, currentKeyId, issuer }) => {
    const target = { key, issuer: res.config.issuers[key.issuer]! };
    try {
      out.set(key.id, describeUsage(await issuer.lastUsed!(currentKeyId!, target, res.ctx)));
    } catch (error) {
      out.set(key.id, `unknown (${res.ctx.redactor.redact(messageOf(error))})`);
    }
  });
  return out;
}
