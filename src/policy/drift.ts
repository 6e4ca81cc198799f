/**
 * Rules that compare rotation.yaml with what the issuer reports (audit, and verify after
 * create): permission-drift, ip-drift, unknown-key.
 */
import type { KeyConfig, Permission } from '../config/types.js';
import { finding } from './finding.js';
import { sameSet } from './permissions.js';
import type { Finding } from './types.js';

export interface LiveRestrictions {
  permissions?: readonly Permission[];
  /** undefined: the issuer did not say; [] : no whitelist */
  ipWhitelist?: readonly string[];
}

export function driftFindings(key: KeyConfig, live: LiveRestrictions): Finding[] {
  const out: Finding[] = [];
  const declared = key.restrictions;
  if (live.permissions !== undefined && !sameSet(declared.permissions, live.permissions)) {
    const extra = live.permissions.filter((p) => !declared.permissions.includes(p));
    const missing = declared.permissions.filter((p) => !live.permissions!.includes(p));
    const parts = [extra.length ? `also has ${extra.join(', ')}` : '', missing.length ? `lacks ${missing.join(', ')}` : ''].filter(Boolean);
    out.push(finding('permission-drift', key, `permissions at the issuer differ from rotation.yaml: the live key ${parts.join(' and ')}`));
  }
  if (live.ipWhitelist !== undefined && !sameSet(declared.ipWhitelist ?? [], live.ipWhitelist)) {
    const liveText = live.ipWhitelist.length ? live.ipWhitelist.join(', ') : 'none';
    const declaredText = declared.ipWhitelist?.length ? declared.ipWhitelist.join(', ') : 'none';
    out.push(finding('ip-drift', key, `IP whitelist at the issuer (${liveText}) differs from rotation.yaml (${declaredText})`));
  }
  return out;
}

/** Keys an issuer lists that no declared key accounts for: treat as theft until explained. */
export function unknownKeyFindings(
  issuer: string,
  listed: ReadonlyArray<{ keyId: string; name?: string }>,
  known: ReadonlySet<string>,
): Finding[] {
  return listed
    .filter((info) => !known.has(info.keyId))
    .map((info) => ({
      rule: 'unknown-key' as const,
      severity: 'error' as const,
      message:
        `issuer ${issuer} holds key ${info.keyId}${info.name ? ` (${info.name})` : ''} that rotation.yaml does not know: ` +
        'if nobody can explain it, revoke it and treat its account as compromised',
    }));
}
