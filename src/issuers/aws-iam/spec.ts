/**
 * The `aws-iam` issuer's key spec, apart from its module so that config load can judge it
 * without loading the AWS SDK: `user`, the IAM user whose access keys rotate.
 */
import type { KeyConfig } from '../../config/types.js';
import { specOrThrow, unknownFields, type IssuerKind } from '../spec.js';

export interface AwsIamSpec {
  user: string;
}

/** IAM's own rule for user names. */
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

export const awsIamKind: IssuerKind<AwsIamSpec> = {
  parseSpec(spec, _options, report) {
    const ok = !unknownFields(spec, ['user'], 'aws-iam', report);
    const { user } = spec;
    if (typeof user !== 'string' || !USER_NAME.test(user)) {
      const what = user === undefined ? 'is required: the IAM user whose access keys rotate' : 'is not an IAM user name';
      report(['user'], what, '1 to 64 of letters, digits and +=,.@_-');
      return undefined;
    }
    return ok ? { user } : undefined;
  },
  fields: () => ['accessKeyId', 'secretAccessKey'],
};

export function parseAwsIamSpec(key: KeyConfig): AwsIamSpec {
  return specOrThrow(awsIamKind, key, {});
}
