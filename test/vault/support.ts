/** Open a VaultStore on the stand-in (or a real Vault) the way rotation.yaml does, through the registry. */
import { startVaultStandIn, type StandInOptions, type VaultStandIn } from '../../scripts/vault/server.js';
import { openStore } from '../../src/stores/registry.js';
import type { VaultStore } from '../../src/stores/vault/vault-store.js';

export async function standIn(options: StandInOptions = {}): Promise<VaultStandIn> {
  return startVaultStandIn(options);
}

export async function openVault(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<VaultStore> {
  return (await openStore({ name: 'vault', type: 'vault', options }, { baseDir: process.cwd(), env })) as VaultStore;
}
