/**
 * The behaviour every SecretStore must show, whatever is behind it (the embedded file now;
 * Vault and AWS Secrets Manager later). Each test works on its own random paths, so the suite
 * can also run against a shared real backend.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { rejection } from '../support/expect-rejection.js';
import type { SecretStore } from '../../src/stores/types.js';
import type { HistoryEntry, JournalEntry, StoreRef } from '../../src/model.js';

export interface OpenedStore {
  store: SecretStore;
  cleanup(): Promise<void>;
}

/** kept here too for the tests that import it from the contract */
export { rejection };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function historyEntry(rotationId: string, key: string, finishedAt: string, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    rotationId,
    key,
    trigger: 'due',
    actor: 'tester@host',
    startedAt: finishedAt,
    finishedAt,
    durationMs: 5,
    outcome: 'completed',
    ...extra,
  };
}

function journalEntry(rotationId: string, key: string, step: JournalEntry['step'], done: JournalEntry['step'][]): JournalEntry {
  return {
    rotationId,
    key,
    trigger: 'manual',
    actor: 'tester@host',
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:01.000Z',
    step,
    done,
    status: 'running',
    notes: { issuerName: 'rot-label' },
  };
}

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`SecretStore contract: ${name}`, function () {
    let opened: OpenedStore;
    let store: SecretStore;
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    const newRef = (): StoreRef => {
      counter += 1;
      return { store: 'contract', path: `contract-${run}/secret-${counter}`, key: `key-${run}-${counter}` };
    };
    const material = (n: number) => ({ apiKey: `api-${n}-${run}`, secret: `secret-${n}-${run}` });

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    async function labels(ref: StoreRef) {
      return {
        current: (await store.current(ref))?.rotationId,
        pending: (await store.pending(ref))?.rotationId,
        previous: (await store.previous(ref))?.rotationId,
      };
    }

    /** Stage and promote each rotation id in turn. */
    async function rotate(ref: StoreRef, ...ids: number[]) {
      for (const n of ids) {
        await store.stage(ref, `r${n}`, { keyId: `kid-${n}`, material: material(n) });
        await store.promote(ref, `r${n}`);
      }
    }

    it('knows nothing about a secret it never stored', async () => {
      const ref = newRef();
      expect(await labels(ref)).to.deep.equal({ current: undefined, pending: undefined, previous: undefined });
      expect(await store.rotation(ref)).to.deep.equal({});
      expect(await store.history(ref)).to.deep.equal([]);
      expect(await store.journal(ref)).to.equal(undefined);
    });

    it('describes where a secret lives', () => {
      const ref = newRef();
      const where = store.describe(ref);
      expect(where.startsWith(`${store.type}:`), where).to.equal(true);
      expect(where.endsWith(ref.path), where).to.equal(true);
    });

    it('stage puts the material on PENDING and leaves CURRENT alone', async () => {
      const ref = newRef();
      await rotate(ref, 1);
      await store.stage(ref, 'r2', { keyId: 'kid-2', material: material(2), meta: { publicKey: 'pk-2' } });
      const pending = await store.pending(ref);
      expect(pending?.rotationId).to.equal('r2');
      expect(pending?.keyId).to.equal('kid-2');
      expect(pending?.material).to.deep.equal(material(2));
      expect(pending?.meta).to.deep.equal({ publicKey: 'pk-2' });
      expect(Number.isNaN(Date.parse(pending?.createdAt ?? ''))).to.equal(false);
      expect((await store.current(ref))?.material).to.deep.equal(material(1));
    });

    it('promote moves CURRENT to PREVIOUS and PENDING to CURRENT', async () => {
      const ref = newRef();
      await rotate(ref, 1);
      expect(await labels(ref)).to.deep.equal({ current: 'r1', pending: undefined, previous: undefined });
      await rotate(ref, 2);
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
      await rotate(ref, 3);
      expect(await labels(ref)).to.deep.equal({ current: 'r3', pending: undefined, previous: 'r2' });
      expect((await store.current(ref))?.material).to.deep.equal(material(3));
      expect((await store.previous(ref))?.keyId).to.equal('kid-2');
    });

    it('stage with the same rotation id and material again is a no-op', async () => {
      const ref = newRef();
      await store.stage(ref, 'r1', { keyId: 'kid-1', material: material(1) });
      const first = await store.pending(ref);
      await store.stage(ref, 'r1', { keyId: 'kid-1', material: material(1) });
      expect(await store.pending(ref)).to.deep.equal(first);
      await store.promote(ref, 'r1');
      await store.stage(ref, 'r1', { keyId: 'kid-1', material: material(1) });
      expect(await labels(ref)).to.deep.equal({ current: 'r1', pending: undefined, previous: undefined });
    });

    it('stage with the same rotation id and other material is refused (ESTAGE) without leaking it', async () => {
      const ref = newRef();
      await store.stage(ref, 'r1', { keyId: 'kid-1', material: material(1) });
      const error = await rejection(store.stage(ref, 'r1', { keyId: 'kid-1', material: material(9) }), 'ESTAGE');
      expect(error.message).to.not.include(material(9).secret);
      expect(error.message).to.not.include(material(1).secret);
      expect((await store.pending(ref))?.material).to.deep.equal(material(1));
    });

    it('staging a new rotation replaces an abandoned PENDING', async () => {
      const ref = newRef();
      await rotate(ref, 1);
      await store.stage(ref, 'r2', { keyId: 'kid-2', material: material(2) });
      await store.stage(ref, 'r3', { keyId: 'kid-3', material: material(3) });
      expect(await labels(ref)).to.deep.equal({ current: 'r1', pending: 'r3', previous: undefined });
      await rejection(store.promote(ref, 'r2'), 'ESTORE');
      await store.promote(ref, 'r3');
      expect(await labels(ref)).to.deep.equal({ current: 'r3', pending: undefined, previous: 'r1' });
    });

    it('promote of the CURRENT rotation again is a no-op', async () => {
      const ref = newRef();
      await rotate(ref, 1, 2);
      await store.promote(ref, 'r2');
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
    });

    it('promote without that PENDING version fails with ESTORE and changes nothing', async () => {
      const ref = newRef();
      await rejection(store.promote(ref, 'r1'), 'ESTORE');
      await rotate(ref, 1);
      await store.stage(ref, 'r2', { keyId: 'kid-2', material: material(2) });
      await rejection(store.promote(ref, 'r-other'), 'ESTORE');
      expect(await labels(ref)).to.deep.equal({ current: 'r1', pending: 'r2', previous: undefined });
    });

    it('rollback of the CURRENT rotation restores PREVIOUS, and again is a no-op', async () => {
      const ref = newRef();
      await rotate(ref, 1, 2, 3);
      await store.rollback(ref, 'r3');
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
      expect((await store.current(ref))?.material).to.deep.equal(material(2));
      await store.rollback(ref, 'r3');
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
      await store.rollback(ref, 'r2');
      expect(await labels(ref)).to.deep.equal({ current: 'r1', pending: undefined, previous: undefined });
    });

    it('rollback of a PENDING rotation drops it, and again is a no-op', async () => {
      const ref = newRef();
      await rotate(ref, 1, 2);
      await store.stage(ref, 'r3', { keyId: 'kid-3', material: material(3) });
      await store.rollback(ref, 'r3');
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
      await store.rollback(ref, 'r3');
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
      await rejection(store.promote(ref, 'r3'), 'ESTORE');
    });

    it('rollback of a rotation that is neither CURRENT nor PENDING changes nothing', async () => {
      const ref = newRef();
      await store.rollback(ref, 'r-never');
      await rotate(ref, 1, 2);
      await store.rollback(ref, 'r1');
      await store.rollback(ref, 'r-never');
      expect(await labels(ref)).to.deep.equal({ current: 'r2', pending: undefined, previous: 'r1' });
    });

    it('the first rotation rolled back leaves no CURRENT', async () => {
      const ref = newRef();
      await rotate(ref, 1);
      await store.rollback(ref, 'r1');
      expect(await labels(ref)).to.deep.equal({ current: undefined, pending: undefined, previous: undefined });
    });

    it('returns copies: changing a returned version does not change the store', async () => {
      const ref = newRef();
      await rotate(ref, 1);
      const version = await store.current(ref);
      version!.material.secret = 'changed';
      expect((await store.current(ref))?.material).to.deep.equal(material(1));
    });

    it('record merges fields and removes a field set to undefined', async () => {
      const ref = newRef();
      await store.record(ref, { lastRotatedAt: '2026-01-01T00:00:00.000Z', currentKeyId: 'kid-1' });
      await store.record(ref, {
        previousKeyId: 'kid-0',
        pendingRetire: { keyId: 'kid-0', rotationId: 'r1', after: '2026-01-02T00:00:00.000Z' },
      });
      expect(await store.rotation(ref)).to.deep.equal({
        lastRotatedAt: '2026-01-01T00:00:00.000Z',
        currentKeyId: 'kid-1',
        previousKeyId: 'kid-0',
        pendingRetire: { keyId: 'kid-0', rotationId: 'r1', after: '2026-01-02T00:00:00.000Z' },
      });
      await store.record(ref, {
        pendingRetire: undefined,
        currentKeyId: 'kid-2',
        attention: { rotationId: 'r2', reason: 'revoke failed', at: '2026-01-03T00:00:00.000Z' },
      });
      const record = await store.rotation(ref);
      expect(record).to.deep.equal({
        lastRotatedAt: '2026-01-01T00:00:00.000Z',
        currentKeyId: 'kid-2',
        previousKeyId: 'kid-0',
        attention: { rotationId: 'r2', reason: 'revoke failed', at: '2026-01-03T00:00:00.000Z' },
      });
      expect(Object.keys(record)).to.not.include('pendingRetire');
    });

    it('history keeps order per secret, filters by ref, and sorts the whole store by finishedAt', async () => {
      const a = newRef();
      const b = newRef();
      const h1 = historyEntry('ra1', a.key, '2026-01-01T00:00:01.000Z');
      const h2 = historyEntry('rb1', b.key, '2026-01-01T00:00:02.000Z', { outcome: 'rolled-back', error: 'verify failed' });
      const h3 = historyEntry('ra2', a.key, '2026-01-01T00:00:03.000Z', { oldKeyId: 'kid-1', newKeyId: 'kid-2' });
      const h0 = historyEntry('rb0', b.key, '2026-01-01T00:00:00.500Z');
      await store.appendHistory(a, h1);
      await store.appendHistory(b, h2);
      await store.appendHistory(a, h3);
      await store.appendHistory(b, h0);
      expect(await store.history(a)).to.deep.equal([h1, h3]);
      expect((await store.history(b)).map((h) => h.rotationId)).to.deep.equal(['rb1', 'rb0']);
      const mine = (await store.history()).filter((h) => h.key === a.key || h.key === b.key);
      expect(mine.map((h) => h.rotationId)).to.deep.equal(['rb0', 'ra1', 'rb1', 'ra2']);
    });

    it('history records the same outcome of a rotation once, even when a resumed run appends it again', async () => {
      const ref = newRef();
      await store.appendHistory(ref, historyEntry('r1', ref.key, '2026-01-01T00:00:01.000Z'));
      await store.appendHistory(ref, historyEntry('r1', ref.key, '2026-01-01T00:00:05.000Z'));
      await store.appendHistory(ref, historyEntry('r1', ref.key, '2026-01-02T00:00:00.000Z', { trigger: 'retire', outcome: 'retired' }));
      const history = await store.history(ref);
      expect(history.map((h) => [h.rotationId, h.outcome, h.finishedAt])).to.deep.equal([
        ['r1', 'completed', '2026-01-01T00:00:05.000Z'],
        ['r1', 'retired', '2026-01-02T00:00:00.000Z'],
      ]);
    });

    it('journal is written, replaced and cleared', async () => {
      const ref = newRef();
      const j1 = journalEntry('r1', ref.key, 'create', ['lock']);
      const j2 = journalEntry('r1', ref.key, 'promote', ['lock', 'create', 'stage']);
      await store.writeJournal(ref, j1);
      expect(await store.journal(ref)).to.deep.equal(j1);
      await store.writeJournal(ref, j2);
      expect(await store.journal(ref)).to.deep.equal(j2);
      await store.writeJournal(ref, undefined);
      expect(await store.journal(ref)).to.equal(undefined);
      await store.writeJournal(ref, undefined);
      expect(await store.journal(ref)).to.equal(undefined);
    });

    it('lease: a second owner is refused while the first holds it', async () => {
      const ref = newRef();
      const lease = await store.lease(ref, 'alice', 60_000);
      expect(lease.owner).to.equal('alice');
      expect(Date.parse(lease.expiresAt)).to.be.greaterThan(Date.now() + 50_000);
      const error = await rejection(store.lease(ref, 'bob', 60_000), 'ELEASE');
      expect(error.details.owner).to.equal('alice');
      expect(error.details.expiresAt).to.equal(lease.expiresAt);
      const again = await store.lease(ref, 'alice', 60_000);
      expect(again.token).to.not.equal(lease.token);
    });

    it('lease with deferWrite: a second owner is refused once the holder has written, and secure() then release() free it', async () => {
      const ref = newRef();
      const first = await store.lease(ref, 'alice', 60_000, { deferWrite: true });
      await store.writeJournal(ref, journalEntry('r1', ref.key, 'create', []));
      await rejection(store.lease(ref, 'bob', 60_000, { deferWrite: true }), 'ELEASE');
      expect((await store.leaseHolder(ref))?.owner).to.equal('alice');
      await first.secure?.();
      await first.release();
      expect(await store.leaseHolder(ref)).to.equal(undefined);
      expect((await store.journal(ref))?.rotationId).to.equal('r1');
    });

    it('lease: an expired lease is taken over, and the old holder can neither renew nor release it', async () => {
      const ref = newRef();
      const old = await store.lease(ref, 'alice', 60);
      await sleep(150);
      const taken = await store.lease(ref, 'bob', 60_000);
      await rejection(old.renew(60_000), 'ELEASE');
      await old.release();
      const error = await rejection(store.lease(ref, 'carol', 60_000), 'ELEASE');
      expect(error.details.owner).to.equal('bob');
      await taken.release();
      await store.lease(ref, 'carol', 60_000);
    });

    it('lease: renew with the right token extends it', async () => {
      const ref = newRef();
      const lease = await store.lease(ref, 'alice', 100);
      const before = Date.parse(lease.expiresAt);
      await lease.renew(60_000);
      expect(Date.parse(lease.expiresAt)).to.be.greaterThan(before + 50_000);
      await sleep(200);
      await rejection(store.lease(ref, 'bob', 60_000), 'ELEASE');
    });

    it('lease: release frees it and is idempotent', async () => {
      const ref = newRef();
      const lease = await store.lease(ref, 'alice', 60_000);
      await lease.release();
      await lease.release();
      const next = await store.lease(ref, 'bob', 60_000);
      await lease.release();
      await rejection(store.lease(ref, 'carol', 60_000), 'ELEASE');
      await next.release();
    });

    it('breakLease removes the lease only while that owner holds it', async () => {
      const ref = newRef();
      await store.lease(ref, 'alice', 60_000);
      await store.breakLease(ref, 'mallory');
      await rejection(store.lease(ref, 'bob', 60_000), 'ELEASE');
      await store.breakLease(ref, 'alice');
      await store.breakLease(ref, 'alice');
      const lease = await store.lease(ref, 'bob', 60_000);
      expect(lease.owner).to.equal('bob');
    });

    it('keeps secrets apart: labels, records and leases of one path do not touch another', async () => {
      const a = newRef();
      const b = newRef();
      await rotate(a, 1, 2);
      await store.record(a, { currentKeyId: 'kid-2' });
      await store.lease(a, 'alice', 60_000);
      expect(await labels(b)).to.deep.equal({ current: undefined, pending: undefined, previous: undefined });
      expect(await store.rotation(b)).to.deep.equal({});
      const lease = await store.lease(b, 'bob', 60_000);
      expect(lease.owner).to.equal('bob');
    });
  });
}
