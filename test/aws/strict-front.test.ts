/**
 * The strict front (scripts/aws-strict-front.ts) refuses what AWS refuses and moto allows: each
 * rule is shown firing through the front and, where it matters, moto itself shown lax, so the
 * front cannot quietly pass everything.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { awsErrorName } from '../../src/aws/client-config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function errorOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return awsErrorName(error);
  }
}

describe('the strict front before moto_server: each AWS rule fires', function () {
  this.timeout(60_000);
  let moto: StrictMoto;
  let sm: SecretsManagerClient;
  let direct: SecretsManagerClient;
  const name = (what: string) => `strict-${randomBytes(3).toString('hex')}/${what}`;

  before(async () => {
    moto = await startStrictMoto({ deleteDelayMs: 800, iamPropagationMs: 800 });
    sm = new SecretsManagerClient({ ...adminClientConfig(moto), maxAttempts: 1 });
    direct = new SecretsManagerClient({ ...adminClientConfig(moto.direct), maxAttempts: 1 });
  });
  after(async () => {
    sm?.destroy();
    direct?.destroy();
    await moto?.stop();
  });

  const tags = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ Key: `t${from + i}`, Value: 'v' }));

  it('tag count: 50 tags are accepted, a 51st is refused (moto alone accepts it)', async () => {
    const id = name('tags');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{}', Tags: tags(45) }));
    await sm.send(new TagResourceCommand({ SecretId: id, Tags: tags(5, 45) }));
    const before = moto.front.fired['tag-count'];
    expect(await errorOf(sm.send(new TagResourceCommand({ SecretId: id, Tags: tags(1, 50) })))).to.equal('InvalidParameterException');
    expect(moto.front.fired['tag-count']).to.equal(before + 1);
    // re-tagging an existing key does not add one
    await sm.send(new TagResourceCommand({ SecretId: id, Tags: [{ Key: 't0', Value: 'w' }] }));
    await direct.send(new TagResourceCommand({ SecretId: id, Tags: tags(1, 50) }));
    expect((await direct.send(new DescribeSecretCommand({ SecretId: id }))).Tags).to.have.length(51);
  });

  it('tag length: a 129-character key and a 257-character value are refused, 128 and 256 pass', async () => {
    const id = name('lengths');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{}' }));
    await sm.send(new TagResourceCommand({ SecretId: id, Tags: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] }));
    const before = moto.front.fired['tag-length'];
    expect(await errorOf(sm.send(new TagResourceCommand({ SecretId: id, Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] })))).to.equal(
      'ValidationException',
    );
    expect(await errorOf(sm.send(new TagResourceCommand({ SecretId: id, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] })))).to.equal(
      'ValidationException',
    );
    expect(
      await errorOf(sm.send(new CreateSecretCommand({ Name: name('create-tags'), SecretString: '{}', Tags: [{ Key: 'k'.repeat(129) }] }))),
    ).to.equal('ValidationException');
    expect(moto.front.fired['tag-length']).to.equal(before + 3);
    await direct.send(new TagResourceCommand({ SecretId: id, Tags: [{ Key: 'k'.repeat(129), Value: 'v'.repeat(257) }] }));
  });

  it('async delete: a force-deleted name stays taken for the delay (InvalidRequestException), then is free', async () => {
    const id = name('deleted');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{}' }));
    await sm.send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }));
    const before = moto.front.fired['async-delete'];
    expect(await errorOf(sm.send(new CreateSecretCommand({ Name: id, SecretString: '{}' })))).to.equal('InvalidRequestException');
    expect(moto.front.fired['async-delete']).to.equal(before + 1);
    await sleep(900);
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{}' }));
  });

  it('versions without a label are left out of DescribeSecret and ListSecretVersionIds (moto lists them with [])', async () => {
    const id = name('versions');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{"v":1}', ClientRequestToken: 'v1'.padEnd(32, 'x') }));
    await sm.send(new PutSecretValueCommand({ SecretId: id, SecretString: '{"v":2}', ClientRequestToken: 'v2'.padEnd(32, 'x') }));
    await sm.send(new PutSecretValueCommand({ SecretId: id, SecretString: '{"v":3}', ClientRequestToken: 'v3'.padEnd(32, 'x') }));
    const v1 = 'v1'.padEnd(32, 'x');
    const raw = await direct.send(new DescribeSecretCommand({ SecretId: id }));
    expect(raw.VersionIdsToStages?.[v1], 'moto lists the unlabelled version').to.deep.equal([]);
    const before = moto.front.fired['unlabelled-versions'];
    const strict = await sm.send(new DescribeSecretCommand({ SecretId: id }));
    expect(Object.keys(strict.VersionIdsToStages ?? {})).to.not.include(v1);
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: id }));
    expect((listed.Versions ?? []).map((v) => v.VersionId)).to.not.include(v1);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: id, IncludeDeprecated: true }));
    expect((all.Versions ?? []).map((v) => v.VersionId)).to.include(v1);
    expect(moto.front.fired['unlabelled-versions']).to.equal(before + 2);
  });

  it('PutSecretValue with a used ClientRequestToken: other content is refused, the same is ignored (moto overwrites)', async () => {
    const id = name('token');
    const token = 'kt-token'.padEnd(32, 'x');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{"v":0}' }));
    await sm.send(
      new PutSecretValueCommand({ SecretId: id, SecretString: '{"v":1}', ClientRequestToken: token, VersionStages: ['AWSPENDING'] }),
    );
    const before = moto.front.fired['request-token'];
    expect(
      await errorOf(
        sm.send(
          new PutSecretValueCommand({ SecretId: id, SecretString: '{"v":2}', ClientRequestToken: token, VersionStages: ['AWSPENDING'] }),
        ),
      ),
    ).to.equal('ResourceExistsException');
    const same = await sm.send(
      new PutSecretValueCommand({ SecretId: id, SecretString: '{"v":1}', ClientRequestToken: token, VersionStages: ['AWSCURRENT'] }),
    );
    expect(same.VersionStages, 'ignored: no label moved').to.deep.equal(['AWSPENDING']);
    expect(moto.front.fired['request-token']).to.equal(before + 2);
    await direct.send(
      new PutSecretValueCommand({ SecretId: id, SecretString: '{"v":2}', ClientRequestToken: token, VersionStages: ['AWSPENDING'] }),
    );
    const overwritten = await direct.send(new GetSecretValueCommand({ SecretId: id, VersionId: token }));
    expect(overwritten.SecretString, 'moto overwrote the version').to.equal('{"v":2}');
  });

  it("BatchGetSecretValue answers each secret's AWSCURRENT (moto answers the version that was current before a label move)", async () => {
    const id = name('batch');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{"v":1}', ClientRequestToken: 'b1'.padEnd(32, 'x') }));
    await sm.send(
      new PutSecretValueCommand({
        SecretId: id,
        SecretString: '{"v":2}',
        ClientRequestToken: 'b2'.padEnd(32, 'x'),
        VersionStages: ['AWSPENDING'],
      }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: id,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: 'b2'.padEnd(32, 'x'),
        RemoveFromVersionId: 'b1'.padEnd(32, 'x'),
      }),
    );
    const raw = await direct.send(new BatchGetSecretValueCommand({ SecretIdList: [id] }));
    expect(raw.SecretValues?.[0]?.VersionId, 'moto: the old version').to.equal('b1'.padEnd(32, 'x'));
    const before = moto.front.fired['batch-current'];
    const strict = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: [id] }));
    expect(strict.SecretValues?.[0]?.VersionId).to.equal('b2'.padEnd(32, 'x'));
    expect(strict.SecretValues?.[0]?.SecretString).to.equal('{"v":2}');
    expect(moto.front.fired['batch-current']).to.equal(before + 1);
  });

  it('a new IAM access key is refused by STS until it has propagated', async () => {
    const iam = new IAMClient(adminClientConfig(moto));
    const user = `strict-${randomBytes(3).toString('hex')}`;
    await iam.send(new CreateUserCommand({ UserName: user }));
    const made = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    iam.destroy();
    const sts = new STSClient({
      region: moto.region,
      endpoint: moto.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: made.AccessKey!.AccessKeyId!, secretAccessKey: made.AccessKey!.SecretAccessKey! },
    });
    const before = moto.front.fired['iam-propagation'];
    expect(await errorOf(sts.send(new GetCallerIdentityCommand({})))).to.equal('InvalidClientTokenId');
    expect(moto.front.fired['iam-propagation']).to.equal(before + 1);
    await sleep(900);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).to.match(new RegExp(`/${user}$`));
    sts.destroy();
  });

  it('throttling: past the configured rate, calls answer ThrottlingException', async () => {
    const id = name('throttle');
    await sm.send(new CreateSecretCommand({ Name: id, SecretString: '{}' }));
    moto.front.settings.throttle = { perSecond: 5 };
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => errorOf(sm.send(new DescribeSecretCommand({ SecretId: id })))));
      expect(results.filter((e) => e === 'ThrottlingException').length).to.be.at.least(5);
      expect(results.filter((e) => e === undefined).length).to.be.at.least(1);
      expect(moto.front.fired.throttle).to.be.at.least(5);
    } finally {
      moto.front.settings.throttle = undefined;
    }
  });
});
