/**
 * End to end through the built CLI: an IAM access key stored in Secrets Manager rotates on
 * moto_server (signatures checked). The proof is read back with the real aws CLI (credentials
 * by env only): AWSCURRENT holds the new key, AWSPREVIOUS the old, no AWSPENDING remains, STS
 * accepts the new key and rejects the deleted one. Then a failure and a SIGKILL at each step,
 * followed by a rerun: labels consistent and IAM holding exactly the CURRENT key.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { execa } from 'execa';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

describe('aws-iam in aws-secrets-manager, end to end through the CLI', function () {
  this.timeout(120_000);
  let moto: StrictMoto;
  let iam: IAMClient;
  let sm: SecretsManagerClient;
  let dir: string;
  const prefix = `e2e-${randomBytes(3).toString('hex')}/`;

  before(async () => {
    moto = await startStrictMoto();
    iam = new IAMClient(adminClientConfig(moto));
    sm = new SecretsManagerClient(adminClientConfig(moto));
    dir = await tempDir('keyturn-aws-e2e-');
  });
  after(async () => {
    iam?.destroy();
    sm?.destroy();
    await moto?.stop();
    await removeTempDir(dir);
  });

  /** A user with one key (K0), stored as the secret's AWSCURRENT, and a rotation.yaml for it. */
  async function setup(user: string): Promise<{ k0: Creds; yaml: string }> {
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: user,
        PolicyName: 'sts',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }],
        }),
      }),
    );
    const made = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    const k0 = { accessKeyId: made.AccessKey!.AccessKeyId!, secretAccessKey: made.AccessKey!.SecretAccessKey! };
    await sm.send(new CreateSecretCommand({ Name: `${prefix}${user}`, SecretString: JSON.stringify(k0) }));
    const yaml = path.join(dir, `${user}.yaml`);
    await writeFile(
      yaml,
      `version: 1
defaults:
  store: aws
  leaseTtl: 2m
stores:
  aws: { type: aws-secrets-manager, prefix: ${prefix}, keyIdField: accessKeyId }
issuers:
  iam: { type: aws-iam, verifyTimeout: 3s }
people:
  alice: { name: Alice }
keys:
  - id: ${user}
    purpose: deploys
    issuer: iam
    path: ${user}
    period: 30d
    overlap: 0s
    holders: [alice]
    spec: { user: ${user} }
`,
    );
    return { k0, yaml };
  }

  async function keyturn(yaml: string, args: string[], env: Record<string, string> = {}) {
    const r = await execa('node', [CLI, ...args, '--config', yaml], {
      cwd: dir,
      env: { ...moto.env, ...env },
      reject: false,
      stdin: 'ignore',
    });
    return { exitCode: r.exitCode, signal: r.signal, out: `${String(r.stdout)}\n${String(r.stderr)}` };
  }

  async function aws(args: string[], creds?: Creds): Promise<any> {
    const env = {
      ...process.env,
      ...moto.env,
      ...(creds ? { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey } : {}),
    };
    const { stdout } = await run('aws', [...args, '--output', 'json'], { env });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  }

  async function stsError(creds: Creds): Promise<string | undefined> {
    try {
      await aws(['sts', 'get-caller-identity'], creds);
      return undefined;
    } catch (error) {
      return String((error as { stderr?: string }).stderr ?? error);
    }
  }

  /** Labels consistent and IAM holds exactly the CURRENT key, which works. Returns CURRENT. */
  async function expectConsistent(user: string): Promise<Creds> {
    const d = await aws(['secretsmanager', 'describe-secret', '--secret-id', `${prefix}${user}`]);
    const stages = Object.entries(d.VersionIdsToStages as Record<string, string[]>);
    expect(
      stages.filter(([, l]) => l.includes('AWSCURRENT')),
      'one AWSCURRENT',
    ).to.have.length(1);
    const pending = stages.filter(([, l]) => l.includes('AWSPENDING') && !l.includes('AWSCURRENT'));
    expect(pending, 'no AWSPENDING on a non-current version').to.have.length(0);
    const current = JSON.parse(
      (await aws(['secretsmanager', 'get-secret-value', '--secret-id', `${prefix}${user}`, '--version-stage', 'AWSCURRENT'])).SecretString,
    ) as Creds;
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [];
    expect(
      keys.map((k) => [k.AccessKeyId, k.Status]),
      'IAM holds exactly the CURRENT key',
    ).to.deep.equal([[current.accessKeyId, 'Active']]);
    expect((await aws(['sts', 'get-caller-identity'], current)).Arn).to.match(new RegExp(`:user/${user}$`));
    return current;
  }

  it('rotates: AWSCURRENT new, AWSPREVIOUS old, no AWSPENDING; STS takes the new key and refuses the deleted one', async () => {
    const user = 'deploy-bot';
    const { k0, yaml } = await setup(user);
    const plan = await keyturn(yaml, ['plan', user]);
    expect(plan.exitCode, plan.out).to.equal(0);
    expect(plan.out).to.include('not CURRENT');
    const r = await keyturn(yaml, ['rotate', user, '--yes']);
    expect(r.exitCode, r.out).to.equal(0);
    expect(r.out).to.not.include(k0.secretAccessKey);
    const current = await expectConsistent(user);
    expect(current.accessKeyId).to.not.equal(k0.accessKeyId);
    expect(r.out).to.not.include(current.secretAccessKey);
    const previous = JSON.parse(
      (await aws(['secretsmanager', 'get-secret-value', '--secret-id', `${prefix}${user}`, '--version-stage', 'AWSPREVIOUS'])).SecretString,
    ) as Creds;
    expect(previous).to.deep.equal(k0);
    expect(await stsError(k0)).to.match(/InvalidClientTokenId/);
    // a second rotation starts from keyturn's own version, tagged with its key id
    const again = await keyturn(yaml, ['rotate', user, '--yes']);
    expect(again.exitCode, again.out).to.equal(0);
    const next = await expectConsistent(user);
    expect(next.accessKeyId).to.not.equal(current.accessKeyId);
    expect(await stsError(current)).to.match(/InvalidClientTokenId/);
  });

  const STEPS = ['create', 'stage', 'promote', 'verify', 'retire', 'record'];
  let n = 0;

  for (const step of STEPS) {
    it(`an error before ${step}, then a rerun: consistent, IAM holds only the CURRENT key`, async () => {
      n += 1;
      const user = `fail-${n}`;
      const { k0, yaml } = await setup(user);
      const failed = await keyturn(yaml, ['rotate', user, '--yes'], { KEYTURN_FAILPOINTS: `${step}:before=error` });
      expect(failed.exitCode, failed.out).to.not.equal(0);
      if (step === 'retire') {
        // past the point of no return: the new key is CURRENT, the old one waits for the next run
        const keys = (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [];
        expect(keys.map((k) => k.AccessKeyId))
          .to.include(k0.accessKeyId)
          .and.to.have.length(2);
      } else {
        const afterFailure = await expectConsistent(user);
        // before retire a failure rolls back to K0
        if (step !== 'record') expect(afterFailure).to.deep.equal(k0);
      }
      const rerun = await keyturn(yaml, ['rotate', user, '--yes']);
      expect(rerun.exitCode, rerun.out).to.be.oneOf([0, 3]);
      const end = await keyturn(yaml, ['rotate', user, '--yes']);
      expect(end.exitCode, end.out).to.equal(0);
      await expectConsistent(user);
    });
  }

  for (const point of STEPS.flatMap((s) => [`${s}:before`, `${s}:after`])) {
    it(`SIGKILL at ${point}, then a rerun: consistent, IAM holds only the CURRENT key`, async () => {
      n += 1;
      const user = `kill-${n}`;
      const { yaml } = await setup(user);
      const killed = await keyturn(yaml, ['rotate', user, '--yes'], { KEYTURN_FAILPOINTS: `${point}=kill` });
      expect(killed.signal, killed.out).to.equal('SIGKILL');
      const rerun = await keyturn(yaml, ['rotate', user, '--yes']);
      expect(rerun.exitCode, rerun.out).to.equal(0);
      await expectConsistent(user);
    });
  }
});
