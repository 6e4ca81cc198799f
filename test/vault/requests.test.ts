/**
 * What the Vault store remembers to save requests is only ever a hint: two store instances
 * (two processes, as far as Vault can tell) writing the same documents lose nothing, a lease
 * taken over makes the old holder read from Vault again, and a rotation's requests stay
 * counted so a regression shows.
 */
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import type { VaultStore } from '../../src/stores/vault/vault-store.js';
import { historyEntry, sleep } from '../stores/contract.js';
import { rejection } from '../support/expect-rejection.js';
import { openVault, standIn } from './support.js';
import type { HistoryEntry, JournalEntry, StoreRef } from '../../src/model.js';
import type { LeaseOptions } from '../../src/stores/types.js';

function journal(rotationId: string, step: JournalEntry['step']): JournalEntry {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    rotationId,
    key: 'k',
    trigger: 'manual',
    actor: 'tester',
    startedAt: at,
    updatedAt: at,
    step,
    done: [],
    status: 'running',
    notes: {},
  };
}

describe('vault store: remembered versions are hints, requests are counted', function () {
  let vault: VaultStandIn;
  let a: VaultStore;
  let b: VaultStore;
  let n = 0;
  const newRef = (): StoreRef => {
    n += 1;
    return { store: 'vault', path: `hints/secret-${n}`, key: `key-${n}` };
  };

  let requestLog: ((method: string, path: string) => void) | undefined;

  beforeEach(async () => {
    vault = await standIn({ onRequest: (method, path) => requestLog?.(method, path) });
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken };
    [a, b] = await Promise.all([openVault(env), openVault(env)]);
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await vault.close();
  });

  it('record and history written by another process in between are kept, not overwritten from a stale version', async () => {
    const ref = newRef();
    await a.record(ref, { currentKeyId: 'from-a' });
    await b.record(ref, { previousKeyId: 'from-b' });
    await a.record(ref, { lastRotationId: 'r-a' });
    expect(await b.rotation(ref)).to.deep.equal({ currentKeyId: 'from-a', previousKeyId: 'from-b', lastRotationId: 'r-a' });
    const h = (id: string): HistoryEntry => historyEntry(id, ref.key, `2026-01-0${id.slice(1)}T00:00:00.000Z`);
    await a.appendHistory(ref, h('r1'));
    await b.appendHistory(ref, h('r2'));
    await a.appendHistory(ref, h('r3'));
    expect((await b.history(ref)).map((e) => e.rotationId)).to.deep.equal(['r1', 'r2', 'r3']);
  });

  it('history: the newest entries ride in the state document and move to the history document in batches, nothing lost or doubled', async () => {
    const ref = newRef();
    const h = (i: number): HistoryEntry =>
      historyEntry(`r${String(i).padStart(2, '0')}`, ref.key, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString());
    for (let i = 1; i <= 20; i += 1) await (i % 3 === 0 ? b : a).appendHistory(ref, h(i));
    await a.appendHistory(ref, h(5));
    await b.appendHistory(ref, { ...h(19), error: 'replaced' });
    const expected = Array.from({ length: 20 }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);
    expect((await b.history(ref)).map((e) => e.rotationId)).to.deep.equal(expected);
    expect((await a.history(ref)).find((e) => e.rotationId === 'r19')?.error).to.equal('replaced');
    expect((await a.history()).filter((e) => e.key === ref.key).map((e) => e.rotationId)).to.deep.equal(expected);
    const read = await a.client.readData(`secret/data/keyturn/${ref.path}/history`);
    const kept = read.state === 'present' ? (JSON.parse(String(read.data.doc)) as HistoryEntry[]) : [];
    expect(kept.length, 'most entries moved to the history document').to.be.greaterThan(10);
  });

  it('a journal read without the lease comes from Vault, not from memory', async () => {
    const ref = newRef();
    await a.writeJournal(ref, journal('r1', 'create'));
    await b.writeJournal(ref, journal('r2', 'restart'));
    expect((await a.journal(ref))?.rotationId).to.equal('r2');
  });

  it("a lease that expired and was taken over: the old holder reads the new holder's journal and cannot renew", async () => {
    const ref = newRef();
    const old = await a.lease(ref, 'alice', 80);
    await a.writeJournal(ref, journal('r1', 'create'));
    expect((await a.journal(ref))?.rotationId).to.equal('r1');
    await sleep(120);
    const taken = await b.lease(ref, 'bob', 60_000);
    await b.writeJournal(ref, journal('r1', 'restart'));
    expect((await a.journal(ref))?.step).to.equal('restart');
    await rejection(old.renew(60_000), 'ELEASE');
    await rejection(a.lease(ref, 'alice', 60_000), 'ELEASE');
    await taken.release();
  });

  it('two processes take the lease with deferWrite: the first checkpoint written holds it, the other fails ELEASE there and its release writes nothing', async () => {
    const ref = newRef();
    const la = await a.lease(ref, 'alice', 60_000, { deferWrite: true });
    const lb = await b.lease(ref, 'bob', 60_000, { deferWrite: true });
    await a.writeJournal(ref, journal('ra', 'create'));
    await rejection(b.writeJournal(ref, journal('rb', 'create')), 'ELEASE');
    let before = vault.stats.requests;
    await lb.release();
    expect(vault.stats.requests - before, 'nothing of bob was ever in Vault').to.equal(0);
    expect((await b.leaseHolder(ref))?.owner).to.equal('alice');
    expect((await b.journal(ref))?.rotationId).to.equal('ra');
    before = vault.stats.requests;
    await la.secure!();
    expect(vault.stats.requests - before, 'secure() of a lease a checkpoint carried').to.equal(0);
    await la.release();
    expect(await b.leaseHolder(ref)).to.equal(undefined);
  });

  it('secure() writes a deferred lease (before an effect outside the store): another taker is refused at once', async () => {
    const ref = newRef();
    const la = await a.lease(ref, 'alice', 60_000, { deferWrite: true });
    expect(await b.leaseHolder(ref), 'not in Vault yet').to.equal(undefined);
    await la.secure!();
    await rejection(b.lease(ref, 'bob', 60_000, { deferWrite: true }), 'ELEASE');
    await la.release();
    expect(await b.leaseHolder(ref)).to.equal(undefined);
  });

  it('the secret written by hand after keyturn last read it: promote is refused by CAS, the hand-written version stays CURRENT', async () => {
    const ref = newRef();
    await a.stage(ref, 'r1', { keyId: 'k1', material: { secret: 's1' } });
    await a.promote(ref, 'r1');
    expect((await a.current(ref))?.rotationId).to.equal('r1');
    await a.stage(ref, 'r2', { keyId: 'k2', material: { secret: 's2' } });
    await b.client.writeData(`secret/data/${ref.path}`, { secret: 'by-hand' });
    await rejection(a.promote(ref, 'r2'), 'EVAULTCAS');
    expect((await b.current(ref))?.material).to.deep.equal({ secret: 'by-hand' });
    expect((await b.pending(ref))?.rotationId).to.equal('r2');
    // the next attempt reads Vault again and lands on top of it
    await a.promote(ref, 'r2');
    expect((await b.current(ref))?.rotationId).to.equal('r2');
  });

  it('a version written by hand where the staged one would go is not taken for it: PENDING stays PENDING', async () => {
    const ref = newRef();
    await a.stage(ref, 'r1', { keyId: 'k1', material: { secret: 's1' } });
    await a.promote(ref, 'r1');
    await a.stage(ref, 'r2', { keyId: 'k2', material: { secret: 's2' } });
    // the version r2 was staged on top of gets a successor, but not r2's material
    await b.client.writeData(`secret/data/${ref.path}`, { secret: 'by-hand' });
    expect((await b.current(ref))?.rotationId, 'the hand-written version has no rotation of keyturn').to.equal('vault-v2');
    expect((await b.pending(ref))?.rotationId).to.equal('r2');
    expect((await b.previous(ref))?.rotationId).to.equal('r1');
  });

  /**
   * One rotation in the engine's order of calls by `b`, which has never seen the key (the first
   * rotation a `keyturn rotate` process makes of it): the requests it made, by method and path.
   */
  async function rotateOnce(ref: StoreRef, leaseOptions: LeaseOptions): Promise<string[]> {
    await a.stage(ref, 'r0', { keyId: 'k0', material: { secret: 's0' } });
    await a.promote(ref, 'r0');
    const seen: string[] = [];
    requestLog = (method, path) => seen.push(`${method} ${path.replace(ref.path, 'P')}`);
    const lease = await b.lease(ref, 'owner', 60_000, leaseOptions);
    expect(await b.journal(ref)).to.equal(undefined);
    await b.rotation(ref);
    expect((await b.current(ref))?.rotationId).to.equal('r0');
    expect(await b.pending(ref)).to.equal(undefined);
    await b.writeJournal(ref, journal('r1', 'create'));
    await b.stage(ref, 'r1', { keyId: 'k1', material: { secret: 's1' } });
    await b.promote(ref, 'r1');
    await b.writeJournal(ref, { ...journal('r1', 'restart'), newKeyId: 'k1', done: ['create', 'stage', 'promote'] });
    await b.writeJournal(ref, { ...journal('r1', 'retire'), newKeyId: 'k1', done: ['create', 'stage', 'promote', 'restart', 'verify'] });
    await b.record(ref, { currentKeyId: 'k1', previousKeyId: 'k0' });
    await b.appendHistory(ref, historyEntry('r1', ref.key, new Date().toISOString(), { oldKeyId: 'k0', newKeyId: 'k1' }));
    await b.writeJournal(ref, undefined);
    await lease.release();
    requestLog = undefined;
    expect((await a.current(ref))?.rotationId).to.equal('r1');
    expect((await a.previous(ref))?.rotationId).to.equal('r0');
    expect(await a.journal(ref)).to.equal(undefined);
    return seen;
  }

  /** What follows the checkpoint before create: the same whichever way the lease was taken. */
  const AFTER_CREATE_CHECKPOINT = [
    'POST secret/data/keyturn/P/state', // stage: PENDING and the version it goes on top of
    'POST secret/data/P', // promote: the secret, check-and-set on that version
    // the checkpoint before restart says what the secret shows: it rides on the next write
    'POST secret/data/keyturn/P/state', // journal checkpoint before retire (PENDING folded into the labels)
    'PATCH secret/metadata/P', // custom_metadata: merged by Vault, nothing read first
    'POST secret/data/keyturn/P/state', // record + history + journal cleared + lease released, one check-and-set
  ];

  it("one rotation, in the engine's order of calls, costs 9 Vault requests from a fresh process (was 17), each for a reason", async () => {
    expect(await rotateOnce(newRef(), {})).to.deep.equal([
      'GET secret/data/keyturn/P/state', // lease: read the state document (this process has not seen it); PENDING is in it
      'POST secret/data/keyturn/P/state', // lease: take it (check-and-set)
      'GET secret/data/P', // current: the secret, always from Vault
      'POST secret/data/keyturn/P/state', // journal checkpoint before create
      ...AFTER_CREATE_CHECKPOINT,
    ]);
  });

  it('8 Vault requests when the lease rides on the first checkpoint (deferWrite, as the engine takes it)', async () => {
    expect(await rotateOnce(newRef(), { deferWrite: true })).to.deep.equal([
      'GET secret/data/keyturn/P/state', // lease: read the state document, check the lease is free
      'GET secret/data/P', // current: the secret, always from Vault
      'POST secret/data/keyturn/P/state', // journal checkpoint before create, with the lease: one check-and-set
      ...AFTER_CREATE_CHECKPOINT,
    ]);
  });
});
