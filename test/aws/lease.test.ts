/**
 * The Secrets Manager lease across machines: a compare-and-set on the state secret, so of several takers
 * racing from separate store instances (separate clients, as separate hosts would be) exactly
 * one wins, on moto with signatures checked.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isKeyturnError } from '../../src/errors.js';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import type { Lease } from '../../src/stores/types.js';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import type { StoreRef } from '../../src/model.js';

describe('aws-secrets-manager lease (state secret) on moto_server', function () {
  this.timeout(60_000);
  let moto: StrictMoto;
  const prefix = `kl-${randomBytes(3).toString('hex')}/`;
  const newStore = () => new SecretsManagerStore({ client: new SecretsManagerClient(adminClientConfig(moto)), prefix });

  before(async () => {
    moto = await startStrictMoto();
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

  it("8 takers with deferWrite (the engine's way): all find it free, exactly one first checkpoint lands, the others fail ELEASE and release nothing", async () => {
    for (let round = 0; round < 3; round += 1) {
      const ref: StoreRef = { store: 's', path: `deferred/${round}`, key: `deferred-${round}` };
      const stores = Array.from({ length: 8 }, newStore);
      const leases = await Promise.all(stores.map((s, i) => s.lease(ref, `host-${i}:1:cccccc`, 60_000, { deferWrite: true })));
      const at = '2026-01-01T00:00:00.000Z';
      const checkpoints = await Promise.allSettled(
        stores.map((s, i) =>
          s.writeJournal(ref, {
            rotationId: `r${i}`,
            key: ref.key,
            trigger: 'due',
            actor: 't',
            startedAt: at,
            updatedAt: at,
            step: 'create',
            done: [],
            status: 'running',
            notes: {},
          }),
        ),
      );
      const landed = checkpoints.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(landed, `round ${round}`).to.have.length(1);
      for (const r of checkpoints)
        if (r.status === 'rejected') expect(isKeyturnError(r.reason) && r.reason.code, String(r.reason)).to.equal('ELEASE');
      const winner = landed[0]!;
      await Promise.all(leases.map((l, i) => (i === winner ? undefined : l.release())));
      const reader = newStore();
      expect((await reader.leaseHolder(ref))?.owner).to.equal(`host-${winner}:1:cccccc`);
      expect((await reader.journal(ref))?.rotationId).to.equal(`r${winner}`);
      await leases[winner]!.release();
      expect(await newStore().leaseHolder(ref)).to.equal(undefined);
      await Promise.all([...stores, reader].map((s) => s.close()));
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

  it('the lease is a field of the state secret keyturn-state/<name> (owner, token, expiry), gone on release; the state stays', async () => {
    const ref: StoreRef = { store: 's', path: 'visible', key: 'visible' };
    const store = newStore();
    const lease = await store.lease(ref, 'me:1:cccccc', 60_000);
    const client = new SecretsManagerClient(adminClientConfig(moto));
    const read = async () =>
      JSON.parse(
        (await client.send(new GetSecretValueCommand({ SecretId: `keyturn-state/${prefix}visible`, VersionStage: 'AWSCURRENT' })))
          .SecretString!,
      ) as { lease?: unknown };
    expect((await read()).lease).to.deep.equal({ owner: 'me:1:cccccc', token: lease.token, expiresAt: lease.expiresAt });
    await lease.release();
    expect((await read()).lease).to.equal(undefined);
    // taken again at once: nothing was deleted, so AWS's asynchronous deletion is never in the way
    const again = await store.lease(ref, 'me:1:dddddd', 60_000);
    await again.release();
    expect(await store.history()).to.deep.equal([]);
    client.destroy();
    await store.close();
  });
});
