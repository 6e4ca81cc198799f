/** Open a VaultStore on the stand-in (or a real Vault) the way rotation.yaml does, through the registry. */
import type { PathRule } from '../../scripts/vault/auth.js';
import { startVaultStandIn, type StandInOptions, type VaultStandIn } from '../../scripts/vault/server.js';
import { openStore } from '../../src/stores/registry.js';
import type { VaultStore } from '../../src/stores/vault/vault-store.js';

export async function standIn(options: StandInOptions = {}): Promise<VaultStandIn> {
  return startVaultStandIn(options);
}

export async function openVault(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<VaultStore> {
  return (await openStore({ name: 'vault', type: 'vault', options }, { baseDir: process.cwd(), env })) as VaultStore;
}

/** The policy docs/vault.md asks for: keyturn's paths on the mount, nothing else. */
export function keyturnPolicy(mount = 'secret'): PathRule[] {
  const all = ['create', 'read', 'update', 'patch', 'delete', 'list'] as PathRule['capabilities'];
  return ['data', 'metadata', 'delete'].map((kind) => ({ path: `${mount}/${kind}/*`, capabilities: all }));
}
