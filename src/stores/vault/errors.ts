/**
 * Vault's answers, turned into messages an operator can act on: which path, which
 * capability, sealed or standby, a check-and-set conflict meaning another rotation is in
 * flight. Vault's own error strings never carry secret values; the token is never included.
 */
import { ExitCode, KeyturnError } from '../../errors.js';

export interface VaultFailure {
  status?: number;
  body?: unknown;
  /** a network error code (ECONNREFUSED, ECONNRESET…) when there was no answer */
  code?: string;
  message: string;
}

export interface Attempted {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'LIST';
  /** the API path, without /v1/ */
  path: string;
}

export const CAS_MISMATCH = 'check-and-set parameter did not match the current version';

/** The ACL capability Vault checks for this request, to name it in a 403. */
export function capabilityFor({ method, path }: Attempted): string {
  if (method === 'LIST') return 'list';
  if (method === 'DELETE') return 'delete';
  if (method === 'PATCH') return 'patch';
  if (method === 'GET') return 'read';
  if (/^[^/]+\/(delete|undelete|destroy)\//.test(path)) return 'update';
  return /\/login$/.test(path) || path.startsWith('auth/token/') ? 'update' : 'create or update';
}

export function isCasConflict(error: unknown): boolean {
  return error instanceof KeyturnError && error.code === 'EVAULTCAS';
}

export function translate(
  failure: VaultFailure,
  attempted: Attempted,
  context: { endpoint: string; attempts: number; renewalError?: string },
): KeyturnError {
  const { status } = failure;
  const where = `${attempted.method} ${attempted.path}`;
  const tries = context.attempts > 1 ? ` after ${context.attempts} attempts` : '';
  const details = { status, path: attempted.path, method: attempted.method };
  if (status === undefined) {
    return new KeyturnError(
      'EVAULT',
      `cannot reach Vault at ${context.endpoint} (${failure.code ?? failure.message})${tries}`,
      ExitCode.failed,
      {
        ...details,
        hint: "check VAULT_ADDR (or the store's address) and that Vault is running and reachable",
      },
    );
  }
  const said = firstError(failure.body) ?? failure.message;
  if (status === 403 && /\blogin$/.test(attempted.path)) {
    return new KeyturnError('EVAULTDENIED', `Vault refused the login at ${attempted.path}: ${said}`, ExitCode.failed, {
      ...details,
      hint: "check the role's bound service account, namespace, audience or subject, and the key Vault verifies the token with",
    });
  }
  if (status === 403 && said.includes('invalid token')) {
    return new KeyturnError('EVAULTDENIED', `Vault refused the token on ${attempted.path}: it is invalid or expired`, ExitCode.failed, {
      ...details,
      hint: 'give keyturn a valid token (`vault token lookup`), or a login method (approle, kubernetes, jwt): it logs in again',
    });
  }
  if (status === 403) {
    const capability = capabilityFor(attempted);
    const renewal = context.renewalError ? ` (token renewal had failed: ${context.renewalError})` : '';
    return new KeyturnError(
      'EVAULTDENIED',
      `Vault denied ${capability} on ${attempted.path}: permission denied${renewal}`,
      ExitCode.failed,
      {
        ...details,
        capability,
        hint: `the token needs "${capability}" on path "${attempted.path}" in its policy, or it expired: check \`vault token lookup\``,
      },
    );
  }
  if (status === 503) {
    return new KeyturnError(
      'EVAULTSEALED',
      `Vault at ${context.endpoint} is sealed or unavailable (503 on ${where})${tries}`,
      ExitCode.failed,
      {
        ...details,
        hint: 'unseal it (`vault operator unseal`) or wait until it is back; `vault status` shows which',
      },
    );
  }
  if (status === 429) {
    return new KeyturnError(
      'EVAULTSTANDBY',
      `Vault at ${context.endpoint} answered 429 on ${where}${tries}: a standby node that cannot serve, or a rate-limit quota`,
      ExitCode.failed,
      {
        ...details,
        hint: 'point the store at the active node, or raise the rate-limit quota for keyturn',
      },
    );
  }
  if (status === 400 && said === CAS_MISMATCH) {
    return new KeyturnError(
      'EVAULTCAS',
      `another rotation is in flight on ${attempted.path}: Vault refused a check-and-set write (the version moved)`,
      ExitCode.failed,
      {
        ...details,
        hint: 'another keyturn run (or a person) wrote this secret meanwhile; rerun once it has finished',
      },
    );
  }
  return new KeyturnError('EVAULT', `Vault answered ${status} on ${where}: ${said}${status >= 500 ? tries : ''}`, ExitCode.failed, details);
}

function firstError(body: unknown): string | undefined {
  const list = (body as { errors?: unknown })?.errors;
  return Array.isArray(list) && typeof list[0] === 'string' ? list[0] : undefined;
}
