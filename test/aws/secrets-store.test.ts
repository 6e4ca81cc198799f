import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import { PLACEHOLDER_VERSION, tokenFor } from '../../src/stores/aws/versions.js';
import { describeStoreContract, historyEntry } from '../stores/contract.js';
import { rejection } from '../support/expect-rejection.js';
import { adminClientConfig, startMoto, type Moto } from '../../bench/moto.js';
import type { StoreRef } from '../../src/model.js';

const run = promisify(execFile);

describe('aws-secrets-manager store on moto_server', function () {
  this.timeout(60_000);
  let moto: Moto;
  const prefix = `kt-${randomBytes(3).toString('hex')}/`;
  const newStore = (options: Partial<ConstructorParameters<typeof SecretsManagerStore>[0]> = {}) =>
    new SecretsManagerStore({ client: new SecretsManagerClient(adminClientConfig(moto)), prefix, ...options });

  before(async () => {
    moto = await startMoto();
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

  it('leaves the real labels as AWS defines them: one AWSCURRENT, AWSPREVIOUS on the old, no AWSPENDING', async () => {
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
    ).to.deep.equal([tokenFor('rot-20260102000000-bbbbbbbb')]);
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
    expect(labels).to.not.include('AWSPENDING');
    expect(d.Tags.find((t) => t.Key === 'keyturn:managed')?.Value).to.equal('true');
    await store.close();
  });

  it('sees a PENDING left by an interrupted promote as finished once it sits on CURRENT, and promote cleans it', async () => {
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
      tokenFor('r1'),
      '--remove-from-version-id',
      PLACEHOLDER_VERSION,
    );
    expect((await store.pending(ref))?.rotationId).to.equal(undefined);
    expect((await store.current(ref))?.rotationId).to.equal('r1');
    await store.promote(ref, 'r1');
    const d = (await aws('secretsmanager', 'describe-secret', '--secret-id', `${prefix}labels/half`)) as {
      VersionIdsToStages: Record<string, string[]>;
    };
    expect(Object.values(d.VersionIdsToStages).flat()).to.not.include('AWSPENDING');
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
    await store.record(ref, { currentKeyId: 'k0' });
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

  it('keeps history in tags, trimmed to the tag budget, newest last', async () => {
    const store = newStore();
    const ref: StoreRef = { store: 's', path: 'history/long', key: 'long' };
    for (let i = 0; i < 60; i += 1) {
      await store.appendHistory(
        ref,
        historyEntry(
          `rot-2026010100${String(i).padStart(4, '0')}-${randomBytes(4).toString('hex')}`,
          'long',
          new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          { error: `failure ${i}` },
        ),
      );
    }
    const history = await store.history(ref);
    expect(history.length).to.be.greaterThan(10);
    expect(history.at(-1)?.error).to.equal('failure 59');
    const d = (await aws('secretsmanager', 'describe-secret', '--secret-id', `${prefix}history/long`)) as { Tags: unknown[] };
    expect(d.Tags.length).to.be.at.most(50);
    await store.close();
  });
});
