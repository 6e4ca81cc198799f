/**
 * Every store type and its typed options, in modules light enough for config load (no AWS
 * SDK, no Vault client): config load parses each store's options with these, the registry
 * (./registry.ts) opens the store itself under the same type name.
 */
import { secretsManagerKind } from './aws/options.js';
import { fileStoreKind } from './file/options.js';
import { vaultStoreKind } from './vault/options.js';

export const STORE_KINDS = {
  file: fileStoreKind,
  'aws-secrets-manager': secretsManagerKind,
  vault: vaultStoreKind,
} as const;

export type StoreType = keyof typeof STORE_KINDS;

export function storeKind(type: string): (typeof STORE_KINDS)[StoreType] | undefined {
  return Object.hasOwn(STORE_KINDS, type) ? STORE_KINDS[type as StoreType] : undefined;
}
