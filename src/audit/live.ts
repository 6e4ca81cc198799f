/**
 * The live half of `keyturn audit`: what each issuer reports compared with rotation.yaml and
 * the store. Keys are grouped by issuer and account, so each account is listed once; an
 * issuer with audit() also reads each current key with itself (Binance: the only place
 * withdrawals show).
 */
import type { Config, KeyConfig } from '../config/types.js';
import type { Issuer, IssueTarget, KeyInfo } from '../issuers/types.js';
import { driftFindings, unknownKeyFindings } from '../policy/index.js';
import { finding } from '../policy/finding.js';
import type { Finding } from '../policy/types.js';
import { refOf } from '../model.js';
import type { Resources } from '../resources.js';
import { masterKeyFindings } from './master-key.js';

const DAY = 86_400_000;
/** Binance expires a key without IP whitelist after 90 days; warn this long before. */
const EXPIRY_MS = 90 * DAY;
const EXPIRY_NOTICE_MS = 14 * DAY;
const KEY_LIMIT = 30;
const KEY_LIMIT_NOTICE = 27;

export function accountOf(key: KeyConfig): string {
  const spec = key.spec;
  return String(spec.email ?? spec.subAccountId ?? spec.account ?? 'main');
}

export function groupByAccount(keys: KeyConfig[]): Map<string, KeyConfig[]> {
  const groups = new Map<string, KeyConfig[]>();
  for (const key of keys) {
    const id = `${key.issuer}\u0000${accountOf(key)}`;
    groups.set(id, [...(groups.get(id) ?? []), key]);
  }
  return groups;
}

/** Key ids the store accounts for (current, staged, in overlap), and each key's current one. */
export async function keysInStore(keys: KeyConfig[], res: Resources): Promise<{ known: Set<string>; current: Map<KeyConfig, string> }> {
  const known = new Set<string>();
  const current = new Map<KeyConfig, string>();
  for (const key of keys) {
    const store = await res.store(key.store);
    const record = await store.rotation(refOf(key));
    if (record.currentKeyId) {
      known.add(record.currentKeyId);
      current.set(key, record.currentKeyId);
    }
    if (record.pendingRetire) known.add(record.pendingRetire.keyId);
    const pending = await store.pending(refOf(key));
    if (pending) known.add(pending.keyId);
  }
  return { known, current };
}

function keyCountFindings(account: string, count: number): Finding[] {
  if (count > KEY_LIMIT) {
    return [{ rule: 'key-count', severity: 'error', message: `${account} holds ${count} keys, more than the exchange's ${KEY_LIMIT}` }];
  }
  if (count >= KEY_LIMIT_NOTICE) {
    return [{ rule: 'key-count', severity: 'warn', message: `${account} holds ${count} of the ${KEY_LIMIT} keys the exchange allows` }];
  }
  return [];
}

/** The current key as the issuer's list shows it, against rotation.yaml. */
function listedKeyFindings(key: KeyConfig, info: KeyInfo, now: number): Finding[] {
  const out: Finding[] = [];
  if (info.restrictions) {
    // reading is on for every exchange key: drift only when rotation.yaml speaks of it
    const permissions = info.restrictions.permissions.filter((p) => p !== 'reading' || key.restrictions.permissions.includes('reading'));
    out.push(...driftFindings(key, { permissions, ipWhitelist: info.restrictions.ipWhitelist }));
  }
  if (info.restrictions?.ipWhitelist?.length === 0 && info.createdAt) {
    const left = Date.parse(info.createdAt) + EXPIRY_MS - now;
    if (left < EXPIRY_NOTICE_MS) {
      const days = Math.max(0, Math.floor(left / DAY));
      const message = `key ${info.keyId} has no IP whitelist and expires at the exchange in ${days} day(s)`;
      out.push(finding('unrestricted-expiry', key, `${message}: rotate it now and bind it to IPs`));
    }
  }
  return out;
}

/** What only the key itself can show, from issuers that can read it so. */
async function selfAuditFindings(issuer: Issuer, target: IssueTarget, res: Resources): Promise<Finding[]> {
  if (!issuer.audit) return [];
  const current = await (await res.store(target.key.store)).current(refOf(target.key));
  return current ? issuer.audit(current, target, res.ctx) : [];
}

export async function liveFindings(config: Config, res: Resources): Promise<Finding[]> {
  const out: Finding[] = [];
  const now = res.ctx.clock.now().getTime();
  for (const keys of groupByAccount(config.keys).values()) {
    const first = keys[0]!;
    const issuer = await res.issuer(first.issuer);
    if (!issuer.list) continue;
    const issuerConfig = config.issuers[first.issuer]!;
    const listed = await issuer.list({ key: first, issuer: issuerConfig }, res.ctx);
    const { known, current } = await keysInStore(keys, res);
    out.push(...unknownKeyFindings(first.issuer, listed, known));
    out.push(...keyCountFindings(`${first.issuer}/${accountOf(first)}`, listed.length));
    for (const [key, keyId] of current) {
      const info = listed.find((i) => i.keyId === keyId);
      if (!info) {
        out.push(finding('permission-drift', key, `the current key ${keyId} is not at the issuer any more: rotate it`, 'error'));
        continue;
      }
      out.push(...listedKeyFindings(key, info, now));
      out.push(...(await selfAuditFindings(issuer, { key, issuer: issuerConfig }, res)));
    }
  }
  out.push(...(await masterKeyFindings(config, res)));
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
