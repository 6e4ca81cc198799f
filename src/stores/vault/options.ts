/**
 * The `vault` store's options as rotation.yaml writes them. What the Vault CLI reads from the
 * environment (VAULT_ADDR, VAULT_TOKEN, …) is read when the store opens (src/stores/vault/open.ts),
 * because it belongs to the run, not to the file.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import type { OptionsKind } from '../../adapters/settings.js';

export interface VaultAppRoleOptions {
  roleId?: string;
  roleIdFile?: string;
  secretIdFile?: string;
  mount: string;
}

/** Kubernetes auth: the pod's service-account token posted to auth/<mount>/login with a role. */
export interface VaultKubernetesOptions {
  role: string;
  mount: string;
  /** where the service-account token is (read again at each login: the kubelet rotates it) */
  tokenFile: string;
}

/** JWT auth (OIDC tokens from CI): a JWT from a file or an environment variable, posted with a role. */
export interface VaultJwtOptions {
  role: string;
  mount: string;
  tokenFile?: string;
  /** the name of the environment variable that holds the JWT (never the JWT itself here) */
  tokenEnv?: string;
}

export const KUBERNETES_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface VaultStoreOptions {
  address?: string;
  mount: string;
  prefix: string;
  namespace?: string;
  caFile?: string;
  skipVerify: boolean;
  tokenFile?: string;
  approle?: VaultAppRoleOptions;
  kubernetes?: VaultKubernetesOptions;
  jwt?: VaultJwtOptions;
  /** attempts per request (retries on 5xx and network errors) */
  attempts?: number;
}

const SEGMENT = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const SEGMENT_HINT = 'letters, digits, . _ - and /';

export const vaultStoreKind: OptionsKind<VaultStoreOptions> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const trimmed = (name: string, fallback: string): string | undefined => {
      const value = (o.text(name) ?? fallback).replace(/^\/+|\/+$/g, '');
      return SEGMENT.test(value) ? value : o.problem([name], `may hold only ${SEGMENT_HINT}`);
    };
    const options: VaultStoreOptions = {
      address: o.text('address'),
      mount: trimmed('mount', 'secret') ?? '',
      prefix: trimmed('prefix', 'keyturn') ?? '',
      namespace: o.text('namespace'),
      caFile: o.text('caFile'),
      skipVerify: o.flag('skipVerify') ?? false,
      tokenFile: o.text('tokenFile'),
      attempts: o.count('attempts', 1, 10),
    };
    const approle = o.section('approle');
    if (approle) {
      const a = new OptionReader(approle, (path, message, hint) => o.problem(['approle', ...path], message, hint));
      options.approle = {
        roleId: a.text('roleId'),
        roleIdFile: a.text('roleIdFile'),
        secretIdFile: a.text('secretIdFile'),
        mount: a.text('mount') ?? 'approle',
      };
    }
    const kubernetes = o.section('kubernetes');
    if (kubernetes) {
      const k = new OptionReader(kubernetes, (path, message, hint) => o.problem(['kubernetes', ...path], message, hint));
      const role = k.requiredText('role', "the Vault role bound to this pod's service account");
      options.kubernetes = {
        role: role ?? '',
        mount: k.text('mount') ?? 'kubernetes',
        tokenFile: k.text('tokenFile') ?? KUBERNETES_TOKEN_FILE,
      };
    }
    const jwt = o.section('jwt');
    if (jwt) {
      const j = new OptionReader(jwt, (path, message, hint) => o.problem(['jwt', ...path], message, hint));
      const role = j.requiredText('role', 'the Vault role that accepts this JWT');
      options.jwt = { role: role ?? '', mount: j.text('mount') ?? 'jwt', tokenFile: j.text('tokenFile'), tokenEnv: j.text('tokenEnv') };
      if ((options.jwt.tokenFile === undefined) === (options.jwt.tokenEnv === undefined))
        o.problem(['jwt'], 'needs exactly one of tokenFile and tokenEnv', 'tokenEnv names the variable holding the JWT (e.g. CI_JOB_JWT)');
      else if (options.jwt.tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.jwt.tokenEnv))
        o.problem(['jwt', 'tokenEnv'], 'must be the name of an environment variable, not its value');
    }
    const methods = (['tokenFile', 'approle', 'kubernetes', 'jwt'] as const).filter((m) => options[m] !== undefined);
    if (methods.length > 1) o.problem([methods[1]!], `is a second way to log in (${methods.join(', ')}): keep one`);
    return o.ok ? options : undefined;
  },
};
