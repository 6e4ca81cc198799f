/**
 * End to end through the built CLI: an IAM access key stored in Secrets Manager rotates on
 * moto_server (signatures checked). The proof is read back with the real aws CLI (credentials
 * by env only): AWSCURRENT holds the new key, AWSPREVIOUS the old, no AWSPENDING remains, STS
 * accepts the new key and rejects the deleted one. Then a failure and a SIGKILL at each step,
 * followed by a rerun: labels consistent and IAM holding exactly the CURRENT key, read with the
 * AWS SDK through the same strict front (same calls, same checks; the aws CLI's Python start-up
 * cost a second a call). The matrix runs with a shorter, non-zero IAM propagation delay: every
 * test still meets the front refusing a new key and keyturn's verify waiting it out.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { execa } from 'execa';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');
/**
 * The strict front's IAM propagation delay in the failure matrix: longer than create-to-verify
 * within one run (0.1-0.4 s measured, under load), so verify's first GetCallerIdentity is refused;
 * its retries come 250 ms and 750 ms later, so the third one is taken (about 1 s, where the
 * default 1500 ms takes a fourth try at 1.75 s). The first rotation test keeps the default.
 */
const MATRIX_PROPAGATION_MS = 750;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The facts expectConsistent reads: through the real aws CLI, or through the AWS SDK. */
interface Reader {
  stages(secretId: string): Promise<Record<string, string[]>>;
  value(secretId: string, stage: string): Promise<Creds>;
  /** GetCallerIdentity signed with creds: the ARN, or the error (with its code) */
  whoAmI(creds: Creds): Promise<{ arn?: string; error?: string }>;
}

/**
 * The aws executable itself: under pyenv, `aws` on PATH is a shim (a bash script that starts
 * pyenv, then the real aws) costing a few hundred ms a call; the same aws CLI, called directly.
 */
async function awsExecutable(): Promise<string> {
  try {
    const { stdout } = await run('pyenv', ['which', 'aws']);
    return stdout.trim() || 'aws';
  } catch {
    return 'aws';
  }
}

describe('aws-iam in aws-secrets-manager, end to end through the CLI', function () {
  this.timeout(120_000);
  let moto: StrictMoto;
  let iam: IAMClient;
  let sm: SecretsManagerClient;
  let dir: string;
  const prefix = `e2e-${randomBytes(3).toString('hex')}/`;

  let awsBin: string;
  let defaultPropagationMs: number;

  before(async () => {
    moto = await startStrictMoto();
    iam = new IAMClient(adminClientConfig(moto));
    sm = new SecretsManagerClient(adminClientConfig(moto));
    dir = await tempDir('keyturn-aws-e2e-');
    awsBin = await awsExecutable();
    defaultPropagationMs = moto.front.settings.iamPropagationMs;
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
    const { stdout } = await run(awsBin, [...args, '--output', 'json'], { env });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  }

  /** The real aws CLI (credentials by env only): the first test's cross-check. */
  const awsCli: Reader = {
    stages: async (secretId) => (await aws(['secretsmanager', 'describe-secret', '--secret-id', secretId])).VersionIdsToStages,
    value: async (secretId, stage) =>
      JSON.parse(
        (await aws(['secretsmanager', 'get-secret-value', '--secret-id', secretId, '--version-stage', stage])).SecretString,
      ) as Creds,
    whoAmI: async (creds) => {
      try {
        return { arn: (await aws(['sts', 'get-caller-identity'], creds)).Arn };
      } catch (error) {
        return { error: String((error as { stderr?: string }).stderr ?? error) };
      }
    },
  };

  /** The same calls with the AWS SDK, to the same strict front: the matrix's reader. */
  const awsSdk: Reader = {
    stages: async (secretId) => (await sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {},
    value: async (secretId, stage) =>
      JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }))).SecretString!) as Creds,
    whoAmI: async (creds) => {
      // a copy: the SDK marks the credentials object it is given (a $source field), and callers compare creds
      const sts = new STSClient({ region: moto.region, endpoint: moto.endpoint, credentials: { ...creds } });
      try {
        return { arn: (await sts.send(new GetCallerIdentityCommand({}))).Arn };
      } catch (error) {
        return { error: `${(error as Error).name}: ${(error as Error).message}` };
      } finally {
        sts.destroy();
      }
    },
  };

  async function stsError(creds: Creds, reader: Reader = awsCli): Promise<string | undefined> {
    return (await reader.whoAmI(creds)).error;
  }

  /** Labels consistent and IAM holds exactly the CURRENT key, which works. Returns CURRENT. */
  async function expectConsistent(user: string, reader: Reader): Promise<Creds> {
    const secretId = `${prefix}${user}`;
    // three independent reads of a settled state, side by side
    const [versions, current, listed] = await Promise.all([
      reader.stages(secretId),
      reader.value(secretId, 'AWSCURRENT'),
      iam.send(new ListAccessKeysCommand({ UserName: user })),
    ]);
    const stages = Object.entries(versions);
    expect(
      stages.filter(([, l]) => l.includes('AWSCURRENT')),
      'one AWSCURRENT',
    ).to.have.length(1);
    const pending = stages.filter(([, l]) => l.includes('AWSPENDING') && !l.includes('AWSCURRENT'));
    expect(pending, 'no AWSPENDING on a non-current version').to.have.length(0);
    const keys = listed.AccessKeyMetadata ?? [];
    expect(
      keys.map((k) => [k.AccessKeyId, k.Status]),
      'IAM holds exactly the CURRENT key',
    ).to.deep.equal([[current.accessKeyId, 'Active']]);
    const who = await reader.whoAmI(current);
    expect(who.arn, who.error).to.match(new RegExp(`:user/${user}$`));
    return current;
  }

  /**
   * Runs a matrix case with the matrix's propagation delay. When a run in it creates a key and
   * verifies it in the same process (`freshVerify`), the front must have refused that key at
   * least once: the propagation wait was met, not skipped.
   */
  async function withShortPropagation(freshVerify: boolean, f: () => Promise<void>): Promise<void> {
    moto.front.settings.iamPropagationMs = MATRIX_PROPAGATION_MS;
    const refusedBefore = moto.front.fired['iam-propagation'];
    await f();
    if (freshVerify)
      expect(
        moto.front.fired['iam-propagation'],
        `the strict front refused a new key (IAM propagation, ${MATRIX_PROPAGATION_MS} ms) and verify waited it out`,
      ).to.be.greaterThan(refusedBefore);
  }

  it('rotates: AWSCURRENT new, AWSPREVIOUS old, no AWSPENDING; STS takes the new key and refuses the deleted one', async () => {
    moto.front.settings.iamPropagationMs = defaultPropagationMs;
    const user = 'deploy-bot';
    const { k0, yaml } = await setup(user);
    const plan = await keyturn(yaml, ['plan', user]);
    expect(plan.exitCode, plan.out).to.equal(0);
    expect(plan.out).to.include('not CURRENT');
    const r = await keyturn(yaml, ['rotate', user, '--yes']);
    expect(r.exitCode, r.out).to.equal(0);
    expect(r.out).to.not.include(k0.secretAccessKey);
    const current = await expectConsistent(user, awsCli);
    expect(current.accessKeyId).to.not.equal(k0.accessKeyId);
    expect(r.out).to.not.include(current.secretAccessKey);
    const [previous, k0Refused] = await Promise.all([awsCli.value(`${prefix}${user}`, 'AWSPREVIOUS'), stsError(k0)]);
    expect(previous).to.deep.equal(k0);
    expect(k0Refused).to.match(/InvalidClientTokenId/);
    // a second rotation starts from keyturn's own version, tagged with its key id
    const again = await keyturn(yaml, ['rotate', user, '--yes']);
    expect(again.exitCode, again.out).to.equal(0);
    const [next, currentRefused] = await Promise.all([expectConsistent(user, awsCli), stsError(current)]);
    expect(next.accessKeyId).to.not.equal(current.accessKeyId);
    expect(currentRefused).to.match(/InvalidClientTokenId/);
  });

  const STEPS = ['create', 'stage', 'promote', 'verify', 'retire', 'record'];
  let n = 0;

  for (const step of STEPS) {
    // the last run rotates from scratch: it creates a key and verifies it
    it(`an error before ${step}, then a rerun: consistent, IAM holds only the CURRENT key`, () =>
      withShortPropagation(true, async () => {
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
          const afterFailure = await expectConsistent(user, awsSdk);
          // before retire a failure rolls back to K0
          if (step !== 'record') expect(afterFailure).to.deep.equal(k0);
        }
        const rerun = await keyturn(yaml, ['rotate', user, '--yes']);
        expect(rerun.exitCode, rerun.out).to.be.oneOf([0, 3]);
        const end = await keyturn(yaml, ['rotate', user, '--yes']);
        expect(end.exitCode, end.out).to.equal(0);
        await expectConsistent(user, awsSdk);
      }));
  }

  for (const point of STEPS.flatMap((s) => [`${s}:before`, `${s}:after`])) {
    // killed before create, the rerun creates and verifies a key; killed once verify is done, the killed
    // run did; in between, the rerun resumes with a key the killed run made (older than the delay by then)
    const freshVerify =
      point === 'create:before' || STEPS.indexOf(point.split(':')[0]!) > STEPS.indexOf('verify') || point === 'verify:after';
    it(`SIGKILL at ${point}, then a rerun: consistent, IAM holds only the CURRENT key`, () =>
      withShortPropagation(freshVerify, async () => {
        n += 1;
        const user = `kill-${n}`;
        const { yaml } = await setup(user);
        const killed = await keyturn(yaml, ['rotate', user, '--yes'], { KEYTURN_FAILPOINTS: `${point}=kill` });
        expect(killed.signal, killed.out).to.equal('SIGKILL');
        const rerun = await keyturn(yaml, ['rotate', user, '--yes']);
        expect(rerun.exitCode, rerun.out).to.equal(0);
        await expectConsistent(user, awsSdk);
      }));
  }
});
