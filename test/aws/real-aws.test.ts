/**
 * The store contract and the lease race against a real AWS account, when one is given:
 * KEYTURN_TEST_AWS=1 with the standard AWS variables (AWS_REGION, AWS_PROFILE or keys; a sandbox
 * account: it creates and force-deletes secrets under `keyturn-test/<random>/` and their
 * `keyturn-state/…`). Without it the suite says it was skipped; the same tests run on moto behind
 * the strict front in secrets-store.test.ts and lease.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { DeleteSecretCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig } from '../../src/aws/client-config.js';
import { isKeyturnError } from '../../src/errors.js';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import { describeStoreContract } from '../stores/contract.js';

const REAL = process.env.KEYTURN_TEST_AWS === '1';

describe('aws-secrets-manager on a real AWS account (KEYTURN_TEST_AWS=1)', function () {
  this.timeout(300_000);
  const prefix = `keyturn-test/${randomBytes(4).toString('hex')}/`;
  const client = () => new SecretsManagerClient(clientConfig({}, process.env));

  if (!REAL) {
    it('skipped: set KEYTURN_TEST_AWS=1 and the standard AWS variables of a sandbox account to run it', function () {
      this.skip();
    });
    return;
  }

  after(async () => {
    const c = client();
    for (const namePrefix of [prefix, `keyturn-state/${prefix}`]) {
      let NextToken: string | undefined;
      do {
        const out = await c.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [namePrefix] }], NextToken }));
        for (const s of out.SecretList ?? [])
          if (s.Name?.startsWith(namePrefix)) await c.send(new DeleteSecretCommand({ SecretId: s.ARN, ForceDeleteWithoutRecovery: true }));
        NextToken = out.NextToken;
      } while (NextToken);
    }
    c.destroy();
  });

  describeStoreContract('aws-secrets-manager (real AWS)', async () => {
    const store = new SecretsManagerStore({ client: client(), prefix });
    return { store, cleanup: () => store.close() };
  });

  it('8 store instances race for one lease: exactly one wins', async () => {
    const ref = { store: 's', path: 'race', key: 'race' };
    const stores = Array.from({ length: 8 }, () => new SecretsManagerStore({ client: client(), prefix }));
    const results = await Promise.allSettled(stores.map((s, i) => s.lease(ref, `host-${i}:1:aaaaaa`, 60_000)));
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    for (const r of results) if (r.status === 'rejected') expect(isKeyturnError(r.reason) && r.reason.code).to.equal('ELEASE');
    await Promise.all(stores.map((s) => s.close()));
  });
});
