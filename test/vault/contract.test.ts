/**
 * The SecretStore contract, unchanged, against the Vault store: always on the stand-in, and
 * on a real Vault when VAULT_ADDR and VAULT_TOKEN are set (each run on its own random paths).
 */
import { describeStoreContract } from '../stores/contract.js';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { openVault, standIn } from './support.js';

describe('vault store on the stand-in', function () {
  let vault: VaultStandIn | undefined;
  before(async () => {
    vault = await standIn();
  });
  after(async () => vault?.close());

  describeStoreContract('vault (stand-in)', async () => {
    const store = await openVault({ VAULT_ADDR: vault!.url, VAULT_TOKEN: vault!.rootToken });
    return { store, cleanup: () => store.close() };
  });
});

const real = { addr: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN };
if (real.addr && real.token) {
  describeStoreContract(`vault (real Vault at ${real.addr})`, async () => {
    const store = await openVault({
      VAULT_ADDR: real.addr!,
      VAULT_TOKEN: real.token!,
      ...(process.env.VAULT_NAMESPACE ? { VAULT_NAMESPACE: process.env.VAULT_NAMESPACE } : {}),
    });
    return { store, cleanup: () => store.close() };
  });
} else {
  describe('SecretStore contract: vault (real Vault)', () => {
    it('SKIPPED: no real Vault (set VAULT_ADDR and VAULT_TOKEN to run the contract against one)', function () {
      process.stdout.write(
        '      note: the contract suite did NOT run against a real Vault: VAULT_ADDR and VAULT_TOKEN are not both set\n',
      );
      this.skip();
    });
  });
}
