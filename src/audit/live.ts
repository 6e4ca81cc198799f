/**
 * The live half of `keyturn audit`: what each issuer reports compared with rotation.yaml and
 * the store. Keys are grouped by issuer and account, so each account is listed once; an
 * issuer with audit() also reads each current key with itself (Binance: the only place
 * withdrawals show).
 */
import type { Config, KeyConfig } from '../config/types.js';
import { refOf, type Resources } from '../engine/job.js';
import { driftFindings, unknownKeyFindings } from '../policy/index.js';
import { finding } from '../policy/finding.js';
import type { Finding } from '../policy/types.js';

const DAY = 86_400_000;
/** Binance expires a key without IP whitelist after 90 days; warn this long before. */
const EXPIRY_MS = 90 * DAY;
const EXPIRY_NOTICE_MS = 14 * DAY;
const KEY_LIMIT = 30;
const KEY_LIMIT_NOTICE = 27;

function accountOf(key: KeyConfig): string {
  const spec = key.spec;
  return String(spec.email ?? spec.subAccountId ?? spec.account ?? 'main');
}

export async function liveFindings(config: Config, res: Resources): Promise<Finding[]> {
  const out: Finding[] = [];
  const groups = new Map<string, KeyConfig[]>();
  for (const key of config.keys) {
    const id = `${key.issuer}\u0000${accountOf(key)}`;
    groups.set(id, [...(groups.get(id) ?? []), key]);
  }
  const now = res.ctx.clock.now().getTime();
  for (const keys of groups.values()) {
    const first = keys[0]!;
    const issuer = await res.issuer(first.issuer);
    if (!issuer.list) continue;
    const target = { key: first, issuer: config.issuers[first.issuer]! };
    const listed = await issuer.list(target, res.ctx);
    const known = new Set<string>();
    const byKey = new Map<KeyConfig, string>();
    for (const key of keys) {
      const store = await res.store(key.store);
      const record = await store.rotation(refOf(key));
      if (record.currentKeyId) {
        known.add(record.currentKeyId);
        byKey.set(key, record.currentKeyId);
      }
      if (record.pendingRetire) known.add(record.pendingRetire.keyId);
      const pending = await store.pending(refOf(key));
      if (pending) known.add(pending.keyId);
    }
    out.push(...unknownKeyFindings(first.issuer, listed, known));
    const account = accountOf(first);
    if (listed.length > KEY_LIMIT) out.push({ rule: 'key-count', severity: 'error', message: `${first.issuer}/${account} holds ${listed.length} keys, more than the exchange's ${KEY_LIMIT}` });
    else if (listed.length >= KEY_LIMIT_NOTICE) out.push({ rule: 'key-count', severity: 'warn', message: `${first.issuer}/${account} holds ${listed.length} of the ${KEY_LIMIT} keys the exchange allows` });

    for (const [key, keyId] of byKey) {
      const info = listed.find((i) => i.keyId === keyId);
      if (!info) {
        out.push(finding('permission-drift', key, `the current key ${keyId} is not at the issuer any more: rotate it`, 'error'));
        continue;
      }
      if (info.restrictions) out.push(...driftFindings(key, { permissions: info.restrictions.permissions.filter((p) => p !== 'reading' || key.restrictions.permissions.includes('reading')), ipWhitelist: info.restrictions.ipWhitelist }));
      if (info.restrictions?.ipWhitelist?.length === 0 && info.createdAt) {
        const left = Date.parse(info.createdAt) + EXPIRY_MS - now;
        if (left < EXPIRY_NOTICE_MS) out.push(finding('unrestricted-expiry', key, `key ${keyId} has no IP whitelist and expires at the exchange in ${Math.max(0, Math.floor(left / DAY))} day(s): rotate it now and bind it to IPs`));
      }
      if (issuer.audit) {
        const current = await (await res.store(key.store)).current(refOf(key));
        if (current) out.push(...(await issuer.audit(current, { key, issuer: target.issuer }, res.ctx)));
      }
    }
  }
  return dedupe(out);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const id = `${f.rule}\u0000${f.key ?? ''}\u0000${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
