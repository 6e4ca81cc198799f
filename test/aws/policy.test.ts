/**
 * `keyturn policy aws`: the least-privilege policy it prints covers every (action, secret) the
 * benchmark's keyturn runs actually called (bench/aws.ts with BENCH_AWS_CALLS_OUT, through the
 * strict front), and asks for nothing beyond them but the calls that only some runs make.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ANY_RESOURCE_ACTIONS, resourceMatches, type IamPolicy } from '../../src/aws/policy.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');
/** moto's account */
const ACCOUNT = '123456789012';

async function policyFor(yaml: string, ...extra: string[]): Promise<IamPolicy> {
  const { stdout } = await run('node', [CLI, 'policy', 'aws', '--json', '-c', yaml, '--account', ACCOUNT, ...extra]);
  return (JSON.parse(stdout) as { policy: IamPolicy }).policy;
}

function allows(policy: IamPolicy, action: string, arn: string): boolean {
  return policy.Statement.some((s) => s.Action.includes(action) && s.Resource.some((r) => resourceMatches(r, arn)));
}

describe('keyturn policy aws', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await tempDir('keyturn-policy-');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it("allows every call the benchmark's keyturn made, on exactly those secrets, and nothing it never calls", async () => {
    const out = path.join(dir, 'calls.json');
    await run('node', ['dist/bench/aws.js'], {
      env: { ...process.env, BENCH_AWS_KEYS: '4', BENCH_AWS_CLI_KEYS: '0', BENCH_AWS_CALLS_OUT: out },
      maxBuffer: 1 << 24,
    });
    const { yaml, region, calls } = JSON.parse(await readFile(out, 'utf8')) as { yaml: string; region: string; calls: string[] };
    expect(calls.length).to.be.greaterThan(0);
    // the bench's rotation.yaml names no region: moto's is given
    const policy = await policyFor(yaml, '--region', region);
    await removeTempDir(path.dirname(yaml));
    const called = new Set<string>();
    for (const call of calls) {
      const [action, secretId] = call.split(' ') as [string, string];
      const iamAction = `secretsmanager:${action}`;
      called.add(iamAction);
      const arn = secretId === '*' ? '*' : `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${secretId}-AbCdEf`;
      expect(allows(policy, iamAction, arn), `${iamAction} on ${arn}`).to.equal(true);
      // and not on a secret of another prefix (BatchGetSecretValue and ListSecrets take no resource)
      if (secretId !== '*' && !ANY_RESOURCE_ACTIONS.includes(iamAction))
        expect(allows(policy, iamAction, arn.replace(/:secret:/, ':secret:other/'))).to.equal(false);
    }
    const asked = new Set(policy.Statement.flatMap((s) => s.Action));
    // what only some runs call: CreateSecret of a secret that does not exist yet, the migration's
    // UntagResource, ListSecrets for `history` of a whole store; GetSecretValue, which the bench's
    // BatchGetSecretValue needs on each secret it reads (and reads outside a lease call)
    const conditional = ['secretsmanager:UntagResource', 'secretsmanager:ListSecrets', 'secretsmanager:GetSecretValue'];
    for (const call of calls.filter((c) => c.startsWith('BatchGetSecretValue '))) {
      const arn = `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${call.split(' ')[1]}-AbCdEf`;
      expect(allows(policy, 'secretsmanager:GetSecretValue', arn), `GetSecretValue on ${arn}, for BatchGetSecretValue`).to.equal(true);
    }
    expect([...asked].filter((a) => !called.has(a) && !conditional.includes(a))).to.deep.equal([]);
    expect([...called].filter((a) => !asked.has(a))).to.deep.equal([]);
  });

  it('names each aws-iam user and each role to assume, with no resource wider than needed', async () => {
    const yaml = path.join(dir, 'iam.yaml');
    await writeFile(
      yaml,
      `version: 1
stores:
  aws: { type: aws-secrets-manager, prefix: prod/, region: eu-west-1, roleArn: 'arn:aws:iam::${ACCOUNT}:role/keyturn-store', externalId: ext-1 }
issuers:
  iam: { type: aws-iam, roleArn: 'arn:aws:iam::${ACCOUNT}:role/keyturn-iam' }
people:
  ops: {}
keys:
  - id: deploy-bot
    purpose: deploys
    issuer: iam
    store: aws
    path: deploy-bot
    period: 30d
    holders: [ops]
    spec: { user: deploy-bot }
`,
    );
    const policy = await policyFor(yaml);
    expect(allows(policy, 'iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/deploy-bot`)).to.equal(true);
    expect(allows(policy, 'iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/someone-else`)).to.equal(false);
    expect(allows(policy, 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/keyturn-store`)).to.equal(true);
    expect(allows(policy, 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/keyturn-iam`)).to.equal(true);
    expect(allows(policy, 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/admin`)).to.equal(false);
    expect(
      allows(policy, 'secretsmanager:PutSecretValue', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/deploy-bot-Ab12Cd`),
    ).to.equal(true);
    expect(
      allows(policy, 'secretsmanager:PutSecretValue', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/deploy-bot-Ab12Cd`),
    ).to.equal(false);
    expect(
      allows(
        policy,
        'secretsmanager:PutSecretValue',
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:keyturn-state/prod/deploy-bot-Ab12Cd`,
      ),
    ).to.equal(true);
    const star = policy.Statement.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action);
    expect(star.sort()).to.deep.equal(['secretsmanager:BatchGetSecretValue', 'secretsmanager:ListSecrets']);
    const { stdout } = await run('node', [CLI, 'policy', 'aws', '-c', yaml]);
    expect(JSON.parse(stdout)).to.have.property('Version', '2012-10-17');
  });
});
