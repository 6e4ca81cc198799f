/**
 * The adapter wrapper on its own, over an in-memory store and issuer that record what reaches
 * them: the shape check at load, the dry-run refusal, the IssuedKey check, the failpoints and
 * the adapter's name on errors.
 */
import { expect } from 'chai';
import { adapterOf } from '../../src/adapters/guard.js';
import { wrapIssuer } from '../../src/adapters/wrap-issuer.js';
import { wrapStore } from '../../src/adapters/wrap-store.js';
import { errors, isKeyturnError, type KeyturnError } from '../../src/errors.js';
import { resetFailpoints } from '../../src/failpoints.js';
import type { Issuer, IssueTarget } from '../../src/issuers/types.js';
import type { StoreRef } from '../../src/model.js';
import type { Lease, SecretStore } from '../../src/stores/types.js';
import { issuerConfig, keyConfig, makeContext } from '../issuers/support.js';
import { rejection } from '../support/expect-rejection.js';

const ref: StoreRef = { store: 'local', path: 'app/key', key: 'k' };
const target: IssueTarget = { key: keyConfig({ id: 'k' }), issuer: issuerConfig('random') };

/** Every method records its name, synchronously, when it is called. */
class RecordingStore implements SecretStore {
  readonly type = 'memory';
  readonly calls: string[] = [];
  failWith: unknown;
  extra(): string {
    return `extra of ${this.type}`;
  }
  describe(r: StoreRef): string {
    return `memory#${r.path}`;
  }
  private async called<T>(name: string, value: T): Promise<T> {
    this.calls.push(name);
    if (this.failWith) throw this.failWith;
    return value;
  }
  current = () => this.called('current', undefined);
  pending = () => this.called('pending', undefined);
  previous = () => this.called('previous', undefined);
  stage = () => this.called('stage', undefined);
  promote = () => this.called('promote', undefined);
  rollback = () => this.called('rollback', undefined);
  rotation = () => this.called('rotation', {});
  record = () => this.called('record', undefined);
  appendHistory = () => this.called('appendHistory', undefined);
  history = () => this.called('history', []);
  journal = () => this.called('journal', undefined);
  writeJournal = () => this.called('writeJournal', undefined);
  leaseHolder = () => this.called('leaseHolder', undefined);
  breakLease = () => this.called('breakLease', undefined);
  close = () => this.called('close', undefined);
  lease = (): Promise<Lease> => {
    const lease: Lease = {
      owner: 'me',
      token: 't',
      expiresAt: 'then',
      renew: async () => {
        this.calls.push('renew');
        lease.expiresAt = 'later';
      },
      release: async () => {
        this.calls.push('release');
      },
    };
    return this.called('lease', lease);
  };
}

function recordingIssuer(create: () => Promise<unknown>): Issuer & { calls: string[] } {
  const calls: string[] = [];
  return {
    type: 'random',
    createsRemotely: false,
    calls,
    describe: () => 'make one',
    create: async () => {
      calls.push('create');
      return (await create()) as never;
    },
    verify: async () => {
      calls.push('verify');
    },
    revoke: async () => {
      calls.push('revoke');
    },
  };
}

/** The KeyturnError a call rejects with (the wrapper's refusals and tagged errors are all KeyturnErrors). */
async function rejectionOf(promise: Promise<unknown>): Promise<KeyturnError> {
  const error = await rejection(promise);
  expect(isKeyturnError(error), String(error)).to.equal(true);
  return error as KeyturnError;
}

function withFailpoints(spec: string): () => void {
  process.env.KEYTURN_FAILPOINTS = spec;
  resetFailpoints();
  return () => {
    delete process.env.KEYTURN_FAILPOINTS;
    resetFailpoints();
  };
}

describe('adapter wrapper', () => {
  it('refuses at load an adapter without a required method, naming the adapter and the method', () => {
    const store = new RecordingStore() as Partial<SecretStore>;
    delete store.promote;
    expect(() => wrapStore('local', store as SecretStore)).to.throw('store local (memory) has no promote()');
    const issuer: Partial<Issuer> = recordingIssuer(async () => ({}));
    delete issuer.revoke;
    expect(() => wrapIssuer('tokens', issuer as Issuer)).to.throw('issuer tokens (random) has no revoke()');
    const odd = { ...recordingIssuer(async () => ({})), list: 'not a function' } as unknown as Issuer;
    expect(() => wrapIssuer('tokens', odd)).to.throw('issuer tokens (random) has a list that is not a function');
  });

  it('keeps what the adapter offers beyond its interface, and optional issuer methods absent', () => {
    const store = wrapStore('local', new RecordingStore());
    expect(store).to.be.instanceOf(RecordingStore);
    expect((store as RecordingStore).extra()).to.equal('extra of memory');
    expect(store.describe(ref)).to.equal('memory#app/key');
    expect(
      wrapIssuer(
        'tokens',
        recordingIssuer(async () => ({})),
      ).isDead,
    ).to.equal(undefined);
  });

  it('refuses every mutation in a dry run before the adapter is reached; reads go on', async () => {
    const inner = new RecordingStore();
    const store = wrapStore('local', inner, { dryRun: true });
    const refused = await rejectionOf(store.promote(ref, 'r1'));
    expect(refused.code).to.equal('EDRYRUN');
    expect(refused.message).to.equal('refusing to call promote() of store local during a dry run');
    expect((await rejectionOf(store.writeJournal(ref, undefined))).code).to.equal('EDRYRUN');
    expect((await rejectionOf(store.lease(ref, 'me', 1000))).code).to.equal('EDRYRUN');
    expect(await store.rotation(ref)).to.deep.equal({});
    expect(inner.calls).to.deep.equal(['rotation']);

    const issuer = recordingIssuer(async () => ({ keyId: 'k1', material: { value: 'v' } }));
    const wrapped = wrapIssuer('tokens', issuer);
    const { ctx } = makeContext({ dryRun: true });
    expect((await rejectionOf(wrapped.create(target, ctx))).message).to.equal(
      'refusing to call create() of issuer tokens during a dry run',
    );
    expect((await rejectionOf(wrapped.revoke('k0', target, ctx))).code).to.equal('EDRYRUN');
    await wrapped.verify({ keyId: 'k1', material: { value: 'v' } }, target, ctx);
    expect(issuer.calls).to.deep.equal(['verify']);
  });

  it('checks the IssuedKey create returns before anything can stage it', async () => {
    const { ctx } = makeContext();
    const bad: Array<[unknown, string]> = [
      [undefined, 'not an object'],
      [{ keyId: '', material: { value: 'v' } }, 'keyId is not a non-empty string'],
      [{ keyId: 'k1', material: {} }, 'material is not a non-empty object'],
      [{ keyId: 'k1', material: ['v'] }, 'material is not a non-empty object'],
      [{ keyId: 'k1', material: { value: 42 } }, 'material.value is not a string'],
    ];
    for (const [answer, problem] of bad) {
      const error = await rejectionOf(
        wrapIssuer(
          'tokens',
          recordingIssuer(async () => answer),
        ).create(target, ctx),
      );
      expect(error.code).to.equal('EISSUER');
      expect(error.message).to.equal(`issuer tokens returned an unusable key for k: ${problem}`);
    }
    const good = { keyId: 'k1', material: { value: 'v' } };
    expect(
      await wrapIssuer(
        'tokens',
        recordingIssuer(async () => good),
      ).create(target, ctx),
    ).to.equal(good);
  });

  it('tags an error leaving the adapter with its name, message and class unchanged', async () => {
    const inner = new RecordingStore();
    const store = wrapStore('local', inner);
    inner.failWith = errors.store('the store said no');
    const tagged = await rejectionOf(store.record(ref, {}));
    expect(tagged.message).to.equal('the store said no');
    expect(tagged.details.adapter).to.equal('store local');
    const plain = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    const keys = Object.keys(plain);
    inner.failWith = plain;
    const caught = await store.current(ref).catch((error: unknown) => error);
    expect(caught).to.equal(plain);
    expect(adapterOf(caught)).to.equal('store local');
    expect(Object.keys(plain), 'an error serialized whole is unchanged').to.deep.equal(keys);
  });

  it('calls an unarmed adapter in the same tick, and fires store.<method> and the lease failpoints by key', async () => {
    const inner = new RecordingStore();
    const store = wrapStore('local', inner);
    void store.stage(ref, 'r1', { keyId: 'k1', material: { value: 'v' } });
    expect(inner.calls, 'reached before the call returned').to.deep.equal(['stage']);

    const restore = withFailpoints('store.promote@k=error,store.renewLease=error');
    try {
      const failed = await rejectionOf(store.promote(ref, 'r1'));
      expect(failed.code).to.equal('EFAILPOINT');
      expect(failed.message).to.equal('failpoint store.promote triggered');
      expect(failed.details.adapter).to.equal('store local');
      await store.promote({ ...ref, key: 'other' }, 'r1');
      const lease = await store.lease(ref, 'me', 1000);
      expect((await rejectionOf(lease.renew(1000))).code).to.equal('EFAILPOINT');
      await lease.release();
      expect(inner.calls).to.deep.equal(['stage', 'promote', 'lease', 'release']);
    } finally {
      restore();
    }
    const lease = await store.lease(ref, 'me', 1000);
    await lease.renew(1000);
    expect(lease.expiresAt, 'the store moves its own lease').to.equal('later');
  });

  it('fires issuer.<method> failpoints', async () => {
    const issuer = recordingIssuer(async () => ({ keyId: 'k1', material: { value: 'v' } }));
    const wrapped = wrapIssuer('tokens', issuer);
    const restore = withFailpoints('issuer.create@k=error');
    try {
      expect((await rejectionOf(wrapped.create(target, makeContext().ctx))).message).to.equal('failpoint issuer.create triggered');
      expect(issuer.calls).to.deep.equal([]);
    } finally {
      restore();
    }
  });
});
