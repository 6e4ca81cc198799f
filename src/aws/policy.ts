/**
 * The least-privilege IAM policy for keyturn itself, from rotation.yaml: exactly the actions it
 * calls, on exactly the resources it calls them on. Secrets Manager ARNs end in a hyphen and 6
 * random characters, hence `<name>-??????` (AWS's own advice for policies naming a secret).
 *
 * - each managed secret: DescribeSecret (labels, Lambda rotation), GetSecretValue (a labelled
 *   version), PutSecretValue (stage), UpdateSecretVersionStage (promote, rollback), CreateSecret
 *   (a secret keyturn creates at its first stage), TagResource (summary tags; CreateSecret with
 *   tags needs it too), UntagResource (the migration of a previous keyturn's tags);
 * - each state secret `keyturn-state/<name>` and its archives: GetSecretValue, PutSecretValue,
 *   CreateSecret, TagResource (the state secret is created with a tag);
 * - BatchGetSecretValue (the lease reads the state and the old key in one call) and ListSecrets
 *   (`history` of a whole store) take no resource ("*"); BatchGetSecretValue still needs
 *   GetSecretValue on each secret;
 * - each aws-iam user: the access-key and user-tag calls of the issuer (src/issuers/aws-iam);
 *   STS GetCallerIdentity needs no permission;
 * - each roleArn: sts:AssumeRole.
 */
import type { Config } from '../config/types.js';
import type { SecretsManagerOptions } from '../stores/aws/options.js';
import type { AwsIamOptions, AwsIamSpec } from '../issuers/aws-iam/spec.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export const MANAGED_SECRET_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  'secretsmanager:UpdateSecretVersionStage',
];
export const STATE_SECRET_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:TagResource',
];
export const ANY_RESOURCE_ACTIONS = ['secretsmanager:BatchGetSecretValue', 'secretsmanager:ListSecrets'];
export const IAM_USER_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:DeleteAccessKey',
  'iam:GetAccessKeyLastUsed',
  'iam:ListAccessKeys',
  'iam:ListUserTags',
  'iam:TagUser',
  'iam:UntagUser',
  'iam:UpdateAccessKey',
];

export interface PolicyOptions {
  /** the 12-digit account id (default: any, `*`) */
  account?: string;
  /** the region when a store names none (default: any, `*`) */
  region?: string;
}

export function secretArn(region: string, account: string, name: string): string {
  return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`;
}

export function keyturnAwsPolicy(config: Config, options: PolicyOptions = {}): IamPolicy {
  const account = options.account ?? '*';
  const managed = new Set<string>();
  const states = new Set<string>();
  const users = new Set<string>();
  const roles = new Set<string>();
  for (const key of config.keys) {
    const store = config.stores[key.store];
    if (store?.type === 'aws-secrets-manager') {
      const o = (store.settings ?? {}) as Partial<SecretsManagerOptions>;
      const region = o.region ?? options.region ?? '*';
      const name = `${o.prefix ?? ''}${key.path}`;
      managed.add(secretArn(region, account, name));
      states.add(secretArn(region, account, `keyturn-state/${name}`));
      states.add(`arn:aws:secretsmanager:${region}:${account}:secret:keyturn-state/${name}/archive-*`);
      if (o.roleArn) roles.add(o.roleArn);
    }
    const issuer = config.issuers[key.issuer];
    if (issuer?.type === 'aws-iam') {
      const o = (issuer.settings ?? {}) as Partial<AwsIamOptions>;
      const spec = (key.issuerSpec ?? key.spec ?? {}) as Partial<AwsIamSpec>;
      if (typeof spec.user === 'string') users.add(`arn:aws:iam::${account}:user/${spec.user}`);
      if (o.roleArn) roles.add(o.roleArn);
    }
  }
  const statements: PolicyStatement[] = [];
  const sorted = (s: Set<string>) => [...s].sort();
  if (managed.size) {
    statements.push({ Sid: 'KeyturnManagedSecrets', Effect: 'Allow', Action: MANAGED_SECRET_ACTIONS, Resource: sorted(managed) });
    statements.push({ Sid: 'KeyturnStateSecrets', Effect: 'Allow', Action: STATE_SECRET_ACTIONS, Resource: sorted(states) });
    statements.push({ Sid: 'KeyturnBatchAndList', Effect: 'Allow', Action: ANY_RESOURCE_ACTIONS, Resource: ['*'] });
  }
  if (users.size) statements.push({ Sid: 'KeyturnIamAccessKeys', Effect: 'Allow', Action: IAM_USER_ACTIONS, Resource: sorted(users) });
  if (roles.size) statements.push({ Sid: 'KeyturnAssumeRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: sorted(roles) });
  return { Version: '2012-10-17', Statement: statements };
}

/** Whether an IAM resource pattern (`*` and `?` wildcards) matches an ARN. */
export function resourceMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(arn);
}
