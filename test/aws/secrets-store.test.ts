import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { encodeBlob } from '../../src/stores/aws/tags.js';
import { recordPatchTags } from '../../src/stores/aws/record-tags.js';
import { fitHistory } from '../../src/stores/aws/history.js';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import { PLACEHOLDER_VERSION, tokenFor, versionTag, versionToken } from '../../src/stores/aws/versions.js';
import { describeStoreContract, historyEntry } from '../stores/contract.js';
import { rejection } from '../support/expect-rejection.js';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import type { StoreRef } from '../../src/model.js';

const run = promisify(execFile);

describe('aws-secrets-manager store on moto_server', function () {
  this.timeout(60_000);
  let moto: StrictMoto;
  const prefix = `kt-${randomBytes(3).toString('hex')}/`;
  const newStore = (options: Partial<ConstructorParameters<typeof SecretsManagerStore>[0]> = {}) =>
    new SecretsManagerStore({ client: new SecretsManagerClient(adminClientConfig(moto)), prefix, ...options });

  before(async () => {
    moto = await startStrictMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  describeStoreContract('aws-secrets-manager (moto)', async () => {
    const store = newStore();
    return { store, cleanup: () => store.close() };
  });

  /** The aws CLI, credentials by env only. */
  async function aws(...args: string[]): Promise<unknown> {
    const { stdout } = await run('aws', [...args, '--output', 'json'], { env: { ...process.env, ...moto.env } });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  }

  it('leaves the real labels as AWS defines them: one AWSCURRENT, AWSPREVIOUS on the old, AWSPENDING on no other version', async () => {
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'labels/one', key: 'one' };
    await store.stage(ref, 'rot-20260101000000-aaaaaaaa', { keyId: 'k1', material: { value: 'v1' } });
    await store.promote(ref, 'rot-20260101000000-aaaaaaaa');
    await store.stage(ref, 'rot-20260102000000-bbbbbbbb', { keyId: 'k2', material: { value: 'v2' } });
    const mid = (await aws('secretsmanager', 'describe-secret', '--secret-id', `${prefix}labels/one`)) as {
      VersionIdsToStages: Record<string, string[]>;
    };
    expect(
      Object.entries(mid.VersionIdsToStages)
        .filter(([, l]) => l.includes('AWSPENDING'))
        .map(([id]) => id),
    ).to.deep.equal([versionToken('rot-20260102000000-bbbbbbbb', 'k2')]);
    await store.promote(ref, 'rot-20260102000000-bbbbbbbb');
    const current = (await aws(
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      `${prefix}labels/one`,
      '--version-stage',
      'AWSCURRENT',
    )) as { SecretString: string };
    const previous = (await aws(
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      `${prefix}labels/one`,
      '--version-stage',
      'AWSPREVIOUS',
    )) as { SecretString: string };
    expect(JSON.parse(current.SecretString)).to.deep.equal({ value: 'v2' });
    expect(JSON.parse(previous.SecretString)).to.deep.equal({ value: 'v1' });
    const d = (await aws('secretsmanager', 'describe-secret', '--secret-id', `${prefix}labels/one`)) as {
      VersionIdsToStages: Record<string, string[]>;
      Tags: { Key: string; Value: string }[];
    };
    const labels = Object.values(d.VersionIdsToStages).flat();
    expect(labels.filter((l) => l === 'AWSCURRENT')).to.have.length(1);
    expect(Object.values(d.VersionIdsToStages).filter((l) => l.includes('AWSPENDING') && !l.includes('AWSCURRENT'))).to.have.length(0);
    expect(d.Tags.find((t) => t.Key === 'keyturn:managed')?.Value).to.equal('true');
    await store.close();
  });

  it('sees AWSPENDING on the CURRENT version as a finished rotation, and the next stage moves it', async () => {
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'labels/half', key: 'half' };
    await store.stage(ref, 'r1', { keyId: 'k1', material: { value: 'v1' } });
    await aws(
      'secretsmanager',
      'update-secret-version-stage',
      '--secret-id',
      `${prefix}labels/half`,
      '--version-stage',
      'AWSCURRENT',
      '--move-to-version-id',
      versionToken('r1', 'k1'),
      '--remove-from-version-id',
      PLACEHOLDER_VERSION,
    );
    expect((await store.pending(ref))?.rotationId).to.equal(undefined);
    expect((await store.current(ref))?.rotationId).to.equal('r1');
    await store.promote(ref, 'r1');
    await store.stage(ref, 'r2', { keyId: 'k2', material: { value: 'v2' } });
    const d = (await aws('secretsmanager', 'describe-secret', '--secret-id', `${prefix}labels/half`)) as {
      VersionIdsToStages: Record<string, string[]>;
    };
    expect(d.VersionIdsToStages[versionToken('r1', 'k1')]).to.deep.equal(['AWSCURRENT']);
    expect(d.VersionIdsToStages[versionToken('r2', 'k2')]).to.deep.equal(['AWSPENDING']);
    await store.close();
  });

  it('reads a secret written by someone else, naming the key by keyIdField', async () => {
    await aws(
      'secretsmanager',
      'create-secret',
      '--name',
      `${prefix}adopted`,
      '--secret-string',
      JSON.stringify({ accessKeyId: 'AKIAOLD', secretAccessKey: 'x' }),
    );
    const store = newStore({ keyIdField: 'accessKeyId' });
    const ref: StoreRef = { store: 's', path: 'adopted', key: 'adopted' };
    const current = await store.current(ref);
    expect(current?.keyId).to.equal('AKIAOLD');
    await store.stage(ref, 'r1', { keyId: 'AKIANEW', material: { accessKeyId: 'AKIANEW', secretAccessKey: 'y' } });
    await store.promote(ref, 'r1');
    expect((await store.previous(ref))?.keyId).to.equal('AKIAOLD');
    await store.rollback(ref, 'r1');
    expect((await store.current(ref))?.keyId).to.equal('AKIAOLD');
    await store.close();
  });

  it('refuses to move labels of a secret with Lambda rotation enabled unless allowed', async function () {
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'lambda', key: 'lambda' };
    await aws('secretsmanager', 'create-secret', '--name', `${prefix}lambda`, '--secret-string', '{"value":"v0"}');
    const client = new SecretsManagerClient(adminClientConfig(moto));
    try {
      await aws(
        'secretsmanager',
        'rotate-secret',
        '--secret-id',
        `${prefix}lambda`,
        '--rotation-lambda-arn',
        'arn:aws:lambda:us-east-1:123456789012:function:rot',
        '--rotation-rules',
        'AutomaticallyAfterDays=30',
      );
    } catch {
      // moto may fail to invoke a Lambda that does not exist; only RotationEnabled matters here
    }
    const d = await client.send(new DescribeSecretCommand({ SecretId: `${prefix}lambda` }));
    client.destroy();
    if (d.RotationEnabled !== true) this.skip();
    const error = await rejection(store.stage(ref, 'r1', { keyId: 'k1', material: { value: 'v1' } }), 'ESTORE');
    expect(error.message).to.include('Lambda rotation');
    const allowed = newStore({ allowLambdaRotation: true });
    await allowed.stage(ref, 'r1', { keyId: 'k1', material: { value: 'v1' } });
    await allowed.promote(ref, 'r1');
    expect((await allowed.current(ref))?.keyId).to.equal('k1');
    await allowed.close();
    await store.close();
  });

  it('keeps the full history in the state secret: 300 entries, none dropped, older ones in archive secrets', async () => {
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'history/long', key: 'long' };
    await store.stage(ref, 'r1', { keyId: 'k1', material: { value: 'v1' } });
    const lease = await store.lease(ref, 'auditor:1:aaaaaa', 60_000);
    for (let i = 0; i < 300; i += 1) {
      await store.appendHistory(
        ref,
        historyEntry(
          `rot-2026010100${String(i).padStart(4, '0')}-${randomBytes(4).toString('hex')}`,
          'long',
          new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          {
            error: `failure ${i}: ${'x'.repeat(200)}`,
          },
        ),
      );
      // a release every 50 entries writes them (held back under the lease until then)
      if (i % 50 === 49) await store.record(ref, { lastRotatedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
    }
    await lease.release();
    const history = await newStore().history(ref);
    expect(history).to.have.length(300);
    expect(history[0]?.error).to.match(/^failure 0:/);
    expect(history.at(-1)?.error).to.match(/^failure 299:/);
    const all = (await store.history()).filter((h) => h.key === 'long');
    expect(all).to.have.length(300);
    const state = (await aws('secretsmanager', 'describe-secret', '--secret-id', `keyturn-state/${prefix}history/long`)) as {
      Name: string;
    };
    expect(state.Name).to.equal(`keyturn-state/${prefix}history/long`);
    const archive = await aws('secretsmanager', 'describe-secret', '--secret-id', `keyturn-state/${prefix}history/long/archive-1`);
    expect(archive, 'the older entries moved to an archive secret').to.not.equal(undefined);
    const d = (await aws('secretsmanager', 'describe-secret', '--secret-id', `${prefix}history/long`)) as { Tags: { Key: string }[] };
    expect(d.Tags.length).to.be.at.most(4);
    await store.close();
  });

  it("rotates an operator's secret that carries 45 tags of its own, five times, and leaves at most 4 tags of keyturn's", async () => {
    const own = Array.from({ length: 45 }, (_, i) => ({ Key: `team:tag-${i}`, Value: `value-${i}` }));
    const client = new SecretsManagerClient(adminClientConfig(moto));
    await client.send(new CreateSecretCommand({ Name: `${prefix}tagged`, SecretString: '{"value":"v0"}', Tags: own }));
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'tagged', key: 'tagged' };
    for (let i = 1; i <= 5; i += 1) {
      const lease = await store.lease(ref, 'me:1:aaaaaa', 60_000);
      const rotationId = `rot-2026010${i}000000-aaaaaaa${i}`;
      await store.writeJournal(ref, {
        rotationId,
        key: 'tagged',
        trigger: 'manual',
        actor: 'me',
        startedAt: '',
        updatedAt: '',
        step: 'create',
        done: [],
        status: 'running',
        notes: {},
      });
      await store.stage(ref, rotationId, { keyId: `k${i}`, material: { value: `v${i}` } });
      await store.promote(ref, rotationId);
      await store.record(ref, {
        lastRotatedAt: new Date(Date.UTC(2026, 0, i)).toISOString(),
        lastRotationId: rotationId,
        currentKeyId: `k${i}`,
      });
      await store.appendHistory(ref, historyEntry(rotationId, 'tagged', new Date(Date.UTC(2026, 0, i)).toISOString()));
      await store.writeJournal(ref, undefined);
      await lease.release();
    }
    const tags = (await client.send(new DescribeSecretCommand({ SecretId: `${prefix}tagged` }))).Tags ?? [];
    expect(tags.length).to.be.at.most(49);
    expect(
      tags
        .filter((t) => t.Key?.startsWith('keyturn:'))
        .map((t) => t.Key)
        .sort(),
    ).to.deep.equal(['keyturn:current-key-id', 'keyturn:rotated-at', 'keyturn:rotation-id']);
    expect(tags.find((t) => t.Key === 'keyturn:current-key-id')?.Value).to.equal('k5');
    expect((await store.history(ref)).map((h) => h.rotationId)).to.have.length(5);
    expect((await store.current(ref))?.keyId).to.equal('k5');
    expect((await store.previous(ref))?.keyId).to.equal('k4');
    client.destroy();
    await store.close();
  });

  it('reads a secret a previous keyturn wrote (state in tags) and migrates it on the first write', async () => {
    const client = new SecretsManagerClient(adminClientConfig(moto));
    const name = `${prefix}legacy`;
    const old = tokenFor('rot-20250101000000-0000aaaa');
    await client.send(
      new CreateSecretCommand({
        Name: name,
        ClientRequestToken: PLACEHOLDER_VERSION,
        SecretString: '{}',
        Tags: [{ Key: 'keyturn:managed', Value: 'true' }],
      }),
    );
    await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: old,
        SecretString: '{"value":"old"}',
        VersionStages: ['AWSPENDING'],
      }),
    );
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: old,
        RemoveFromVersionId: PLACEHOLDER_VERSION,
      }),
    );
    const h0 = historyEntry('rot-20250101000000-0000aaaa', 'legacy', '2025-01-01T00:00:00.000Z', { newKeyId: 'kid-old' });
    const { set } = recordPatchTags({
      lastRotatedAt: '2025-01-01T00:00:00.000Z',
      lastRotationId: 'rot-20250101000000-0000aaaa',
      currentKeyId: 'kid-old',
    });
    await client.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          ...set,
          ...encodeBlob(versionTag(old), { r: 'rot-20250101000000-0000aaaa', k: 'kid-old', c: '2025-01-01T00:00:00.000Z', m: {} }),
          ...fitHistory('keyturn:history', [h0]),
        ],
      }),
    );
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'legacy', key: 'legacy' };
    // read as it is
    expect((await store.current(ref))?.keyId).to.equal('kid-old');
    expect((await store.current(ref))?.rotationId).to.equal('rot-20250101000000-0000aaaa');
    expect(await store.rotation(ref)).to.deep.equal({
      lastRotatedAt: '2025-01-01T00:00:00.000Z',
      lastRotationId: 'rot-20250101000000-0000aaaa',
      currentKeyId: 'kid-old',
    });
    expect(await store.history(ref)).to.deep.equal([h0]);
    expect((await store.history()).filter((h) => h.key === 'legacy')).to.deep.equal([h0]);
    // the first rotation migrates: state secret written, the old tags gone, the history kept
    const lease = await store.lease(ref, 'me:1:bbbbbb', 60_000);
    await store.stage(ref, 'rot-20260101000000-1111bbbb', { keyId: 'kid-new', material: { value: 'new' } });
    await store.promote(ref, 'rot-20260101000000-1111bbbb');
    await store.record(ref, {
      lastRotatedAt: '2026-01-01T00:00:00.000Z',
      lastRotationId: 'rot-20260101000000-1111bbbb',
      currentKeyId: 'kid-new',
      previousKeyId: 'kid-old',
    });
    const h1 = historyEntry('rot-20260101000000-1111bbbb', 'legacy', '2026-01-01T00:00:00.000Z');
    await store.appendHistory(ref, h1);
    await lease.release();
    const tags = (await client.send(new DescribeSecretCommand({ SecretId: name }))).Tags ?? [];
    expect(tags.map((t) => t.Key).sort()).to.deep.equal([
      'keyturn:current-key-id',
      'keyturn:managed',
      'keyturn:rotated-at',
      'keyturn:rotation-id',
    ]);
    const fresh = newStore();
    expect(await fresh.history(ref)).to.deep.equal([h0, h1]);
    expect((await fresh.previous(ref))?.keyId).to.equal('kid-old');
    expect((await fresh.current(ref))?.keyId).to.equal('kid-new');
    await fresh.rollback(ref, 'rot-20260101000000-1111bbbb');
    expect((await fresh.current(ref))?.keyId).to.equal('kid-old');
    client.destroy();
    await store.close();
    await fresh.close();
  });
});
