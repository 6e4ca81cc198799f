/** The catalogue of rules: default severity and a one-line summary (details: docs/rules.md). */
import type { RuleId, Severity } from './types.js';

export const RULES: Record<RuleId, { severity: Severity; summary: string }> = {
  'withdrawals-enabled': {
    severity: 'error',
    summary: 'the key has the withdrawals permission (a warning only with allowWithdrawals and a withdrawal address whitelist)',
  },
  'universal-transfer': { severity: 'warn', summary: 'universal or internal transfer is enabled' },
  'permission-drift': { severity: 'error', summary: 'the permissions at the issuer differ from rotation.yaml' },
  'excess-permission': { severity: 'warn', summary: 'the key holds a permission its tier does not need (read-only keys: reading only)' },
  'no-ip-whitelist': { severity: 'error', summary: 'a trading (or higher) key has no IP whitelist' },
  'no-ip-whitelist-read': { severity: 'warn', summary: 'a read-only key has no IP whitelist' },
  'ip-list-invalid': {
    severity: 'error',
    summary: 'the IP whitelist is empty, longer than 20, or holds a CIDR block or a non-IPv4 address',
  },
  'ip-drift': { severity: 'error', summary: 'the IP whitelist at the issuer differs from rotation.yaml' },
  'unrestricted-expiry': {
    severity: 'error',
    summary: 'a key without IP whitelist expires at the exchange (90 days; 30 with trading) before its period ends',
  },
  'period-exceeds-tier': { severity: 'warn', summary: 'the period is longer than the tier allows (one-time keys need a ttl)' },
  overdue: { severity: 'warn', summary: 'the last rotation plus the period lies in the past' },
  'never-rotated': { severity: 'info', summary: 'keyturn has no record of rotating this key' },
  'shared-purpose': { severity: 'warn', summary: 'two keys declare the same purpose: one key per purpose' },
  'key-count': { severity: 'error', summary: 'more than 30 keys are declared for one exchange account' },
  'unknown-key': { severity: 'error', summary: 'the issuer holds a key rotation.yaml does not know' },
  'no-holders': { severity: 'info', summary: 'nobody is listed as holder: offboarding cannot find the key' },
  'secret-in-config': { severity: 'error', summary: 'a literal secret is written in rotation.yaml (refused when the file loads)' },
  'main-account-key': { severity: 'info', summary: 'a trading key on the main account, where a sub-account would isolate the risk' },
  'pg-role-superuser': { severity: 'error', summary: "a key's login role is a superuser" },
  'pg-role-createrole': { severity: 'error', summary: 'the login role has CREATEROLE' },
  'pg-role-bypassrls': { severity: 'error', summary: 'the login role has BYPASSRLS' },
  'pg-role-owns-objects': { severity: 'error', summary: 'an alternating login role owns objects directly' },
  'pg-role-noinherit': { severity: 'error', summary: "an alternating login role is NOINHERIT (it would not get the group's privileges)" },
  'pg-role-nologin': { severity: 'error', summary: 'the role named cannot log in' },
  'pg-role-missing': { severity: 'error', summary: "a single key's role does not exist" },
  'pg-partner-missing': { severity: 'error', summary: "an alternating key's partner role does not exist" },
  'pg-no-shared-group': { severity: 'error', summary: 'the two login roles are not members of one NOLOGIN group role' },
  'pg-unmanaged-password': { severity: 'warn', summary: 'a login role of the key holds a password keyturn did not set' },
  'pg-current-login-fails': { severity: 'error', summary: "the store's CURRENT credential is refused by the server" },
  'pg-unreachable': { severity: 'error', summary: 'the audit could not read the server' },
};
