/**
 * The role options the Secrets Manager store and the IAM issuer share: `roleArn` (AssumeRole,
 * IAM's ARN form) and `externalId` (sent with it, so meaningless without a role). Light: config
 * load reads it, so it imports no SDK.
 */
import type { OptionReader } from '../adapters/option-reader.js';

export interface RoleOptions {
  roleArn?: string;
  externalId?: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function readRoleOptions(o: OptionReader): RoleOptions {
  const roleArn = o.text('roleArn');
  const externalId = o.text('externalId');
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn))
    o.problem(['roleArn'], 'is not an IAM role ARN', 'arn:aws:iam::<12-digit account>:role/<name>');
  if (externalId !== undefined && roleArn === undefined) o.problem(['externalId'], 'needs roleArn: it is sent with AssumeRole');
  return { roleArn, externalId };
}
