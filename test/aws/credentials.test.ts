/**
 * Credentials the way production runs, on moto behind the strict front: the store with roleArn
 * and externalId (STS AssumeRole), the session name carrying the rotation id, a denied role
 * named in the error with the permission it takes, and web identity (AWS_WEB_IDENTITY_TOKEN_FILE
 * + AWS_ROLE_ARN, as EKS service accounts and CI OIDC set them) through the CLI.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { assumeRole, sessionName } from '../../src/aws/credentials.js';
import { isKeyturnError } from '../../src/errors.js';
import { openSecretsManagerStore } from '../../src/stores/aws/open.js';
import { rejection } from '../support/expect-rejection.js';
import { expectSettled } from '../support/invariants.js';
import { awsWorkspace } from './workspace.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('aws credentials: roleArn (AssumeRole) and web identity', function () {
  this.timeout(120_000);
  let moto: StrictMoto;
  let iam: IAMClient;
  let roleArn: string;

  before(async () => {
    moto = await startStrictMoto();
    iam = new IAMClient(adminClientConfig(moto));
    const trust = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Federated: '*' }, Action: 'sts:AssumeRoleWithWebIdentity' },
      ],
    };
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'keyturn', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    roleArn = role.Role!.Arn!;
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'keyturn',
        PolicyName: 'secrets',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
        }),
      }),
    );
  });
  after(async () => {
    iam?.destroy();
    await moto?.stop();
  });

  const base = () => ({ region: moto.region, endpoint: moto.endpoint });

  it('the store assumes roleArn with externalId and works as that role', async () => {
    const store = await openSecretsManagerStore(
      { ...base(), prefix: 'role/', roleArn, externalId: 'ext-1', allowLambdaRotation: false, summaryTags: true },
      { baseDir: '.', env: moto.env },
    );
    const ref = { store: 's', path: 'one', key: 'one' };
    await store.stage(ref, 'rot-20260101000000-aaaaaaaa', { keyId: 'k1', material: { value: 'v1' } });
    await store.promote(ref, 'rot-20260101000000-aaaaaaaa');
    expect((await store.current(ref))?.keyId).to.equal('k1');
    await store.close();
  });

  it('the session name carries the rotation id (what CloudTrail shows as the assumed-role ARN)', async () => {
    const provider = assumeRole(
      { roleArn, externalId: 'ext-1', sessionName: sessionName('rot-20260101000000-aaaaaaaa') },
      base(),
      moto.env,
      (m) => new Error(m),
    );
    const sts = new STSClient({ ...base(), credentials: await provider() });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).to.equal(
      `arn:aws:sts::123456789012:assumed-role/keyturn/keyturn-rot-20260101000000-aaaaaaaa`,
    );
    sts.destroy();
  });

  it('a role keyturn may not assume fails naming the role and sts:AssumeRole, no stack trace of secrets', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'no-rights' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'no-rights' }));
    await sleep(1600); // the strict front's IAM propagation delay
    const env = { ...moto.env, AWS_ACCESS_KEY_ID: key.AccessKey!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: key.AccessKey!.SecretAccessKey! };
    const store = await openSecretsManagerStore(
      { ...base(), prefix: 'denied/', roleArn, allowLambdaRotation: false, summaryTags: true },
      { baseDir: '.', env },
    );
    const error = await rejection(store.current({ store: 's', path: 'x', key: 'x' }), 'ESTORE');
    expect(isKeyturnError(error)).to.equal(true);
    expect(error.message).to.include(roleArn).and.to.include('sts:AssumeRole');
    expect(String(error.details.hint)).to.include('trust policy');
    expect(error.message).to.not.include(key.AccessKey!.SecretAccessKey!);
    await store.close();
  });

  it('web identity: with AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN and no keys, the CLI rotates', async () => {
    const { ws } = await awsWorkspace(moto, { keys: 1 });
    try {
      const token = path.join(ws.dir, 'web-identity-token');
      // a JWT as an OIDC provider issues it; moto does not check its signature
      await writeFile(token, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a2V5dHVybiJ9.');
      Object.assign(ws.env, {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_WEB_IDENTITY_TOKEN_FILE: token,
        AWS_ROLE_ARN: roleArn,
        AWS_ROLE_SESSION_NAME: 'keyturn-ci',
      });
      const result = await ws.run(['rotate', 'key-1', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      await expectSettled(ws, 'key-1');
    } finally {
      await ws.cleanup();
    }
  });
});
