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

export interface VaultStoreOptions {
  address?: string;
  mount: string;
  prefix: string;
  namespace?: string;
  caFile?: string;
  skipVerify: boolean;
  tokenFile?: string;
  approle?: VaultAppRoleOptions;
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
    return o.ok ? options : undefined;
  },
};
