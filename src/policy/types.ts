/**
 * Findings of the security rules (docs/rules.md, KEY-SECURITY-RULES.md). An error blocks
 * the key's rotation (and fails `audit`); a warning is reported; info is advice.
 */
export type Severity = 'error' | 'warn' | 'info';

export type RuleId =
  | 'withdrawals-enabled'
  | 'universal-transfer'
  | 'permission-drift'
  | 'excess-permission'
  | 'no-ip-whitelist'
  | 'no-ip-whitelist-read'
  | 'ip-list-invalid'
  | 'ip-drift'
  | 'unrestricted-expiry'
  | 'period-exceeds-tier'
  | 'overdue'
  | 'never-rotated'
  | 'shared-purpose'
  | 'key-count'
  | 'unknown-key'
  | 'no-holders'
  | 'secret-in-config'
  | 'main-account-key'
  // PostgreSQL roles (the postgres issuer's live audit)
  | 'pg-role-superuser'
  | 'pg-role-createrole'
  | 'pg-role-bypassrls'
  | 'pg-role-owns-objects'
  | 'pg-role-noinherit'
  | 'pg-role-nologin'
  | 'pg-role-missing'
  | 'pg-partner-missing'
  | 'pg-no-shared-group'
  | 'pg-unmanaged-password'
  | 'pg-current-login-fails'
  | 'pg-unreachable';

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** the key's id; absent for findings about no declared key (unknown-key) */
  key?: string;
  /** one sentence, never a secret value */
  message: string;
  /** file:line:col of the key's declaration */
  where?: string;
}
