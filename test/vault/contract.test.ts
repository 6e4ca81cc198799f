/**
 * The SecretStore contract, unchanged, against the Vault store: always on the stand-in (once
 * per way of logging in: token, AppRole, Kubernetes, JWT), and
 * on a real Vault when VAULT_ADDR and VAULT_TOKEN are set (each run on its own random paths).
 */
import { describeStoreContract } from '../stores/contract.js';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { LOGIN_METHODS, login, type Login } from './login-setup.js';
import { openVault, standIn } from './support.js';

for (const method of LOGIN_METHODS) {
  describe(`vault store on the stand-in, logged in with ${method}`, function () {
    let vault: VaultStandIn | undefined;
    let dir: string;
    let creds: Login;
    before(async () => {
      vault = await standIn();
      dir = await tempDir('keyturn-vault-contract-');
      creds = await login(vault, method, dir);
    });
    after(async () => {
      await vault?.close();
      await removeTempDir(dir);
    });

    describeStoreContract(`vault (stand-in, ${method})`, async () => {
      const store = await openVault(creds.env, creds.options);
      return { store, cleanup: () => store.close() };
    });
  });
}

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
