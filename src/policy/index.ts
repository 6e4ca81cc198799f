/** The security rules (KEY-SECURITY-RULES.md; every rule is explained in docs/rules.md). */
import type { Finding } from './types.js';

export type { Finding, RuleId, Severity } from './types.js';
export { RULES } from './rules.js';
export { staticFindings } from './static.js';
export { stateFindings, type StateOptions } from './state.js';
export { driftFindings, unknownKeyFindings, type LiveRestrictions } from './drift.js';
export { effectivePeriodMs, TIER_MAX_PERIOD_MS } from './tiers.js';
export { isIPv4, whitelistProblems, MAX_WHITELIST } from './permissions.js';

/** True when a finding about this key is an error: the key must not rotate until it is fixed. */
export function blocksRotation(findings: readonly Finding[], key: string): boolean {
  return findings.some((f) => f.key === key && f.severity === 'error');
}
