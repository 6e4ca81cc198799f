/**
 * The Secrets Manager lease across machines: a create-only lock secret, so of several takers
 * racing from separate store instances (separate clients, as separate hosts would be) exactly
 * one wins, on moto with signatures checked.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isKeyturnError } from '../../src/errors.js';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import type { Lease } from '../../src/stores/types.js';
import { adminClientConfig, startMoto, type Moto } from '../../bench/moto.js';
import type { StoreRef } from '../../src/model.js';

describe('aws-secrets-manager lease (lock secret) on moto_server', function () {
  this.timeout(60_000);
  let moto: Moto;
  const prefix = `kl-${randomBytes(3).toString('hex')}/`;
  const newStore = () => new SecretsManagerStore({ client: new SecretsManagerClient(adminClientConfig(moto)), prefix });

  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  async function race(ref: StoreRef, n: number): Promise<{ won: Lease[]; refused: unknown[]; stores: SecretsManagerStore[] }> {
    const stores = Array.from({ length: n }, newStore);
    const results = await Promise.allSettled(stores.map((s, i) => s.lease(ref, `host-${i}:1:aaaaaa`, 60_000)));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    return { won, refused, stores };
  }

  it('8 concurrent takers from separate store instances: exactly one wins, every other is told who holds it', async () => {
    for (let round = 0; round < 5; round += 1) {
      const ref: StoreRef = { store: 's', path: `race/${round}`, key: `race-${round}` };
      const { won, refused, stores } = await race(ref, 8);
      expect(won, `round ${round}`).to.have.length(1);
      expect(refused).to.have.length(7);
      for (const error of refused) {
        expect(isKeyturnError(error) && error.code, String(error)).to.equal('ELEASE');
        if (isKeyturnError(error)) expect(error.details.owner).to.equal(won[0]!.owner);
      }
      // released: the next race has a winner again
      await won[0]!.release();
      const again = await race(ref, 8);
      expect(again.won).to.have.length(1);
      await again.won[0]!.release();
      await Promise.all([...stores, ...again.stores].map((s) => s.close()));
    }
  });

  it('8 takers against a live lease: all refused, the holder keeps it', async () => {
    const ref: StoreRef = { store: 's', path: 'race/held', key: 'held' };
    const holder = newStore();
    const lease = await holder.lease(ref, 'holder:1:bbbbbb', 60_000);
    const { won, stores } = await race(ref, 8);
    expect(won).to.have.length(0);
    await lease.renew(60_000);
    await lease.release();
    await Promise.all([holder, ...stores].map((s) => s.close()));
  });

  it('the lock is its own secret keyturn-lock/<name> holding owner, token and expiry, and is deleted on release', async () => {
    const ref: StoreRef = { store: 's', path: 'visible', key: 'visible' };
    const store = newStore();
    const lease = await store.lease(ref, 'me:1:cccccc', 60_000);
    const client = new SecretsManagerClient(adminClientConfig(moto));
    const value = await client.send(new GetSecretValueCommand({ SecretId: `keyturn-lock/${prefix}visible`, VersionStage: 'AWSCURRENT' }));
    expect(JSON.parse(value.SecretString!)).to.deep.equal({ owner: 'me:1:cccccc', token: lease.token, expiresAt: lease.expiresAt });
    await lease.release();
    const left = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`keyturn-lock/${prefix}visible`] }] }));
    expect(left.SecretList ?? []).to.have.length(0);
    // the lock never shows up as a managed secret's history
    expect(await store.history()).to.deep.equal([]);
    client.destroy();
    await store.close();
  });
});
