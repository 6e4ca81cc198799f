/**
 * The `aws-iam` issuer's options and key spec, apart from its module so that config load can
 * judge them without loading the AWS SDK. options: region, endpoint, verifyTimeout (default
 * 30s: new IAM keys take a few seconds to work everywhere), roleArn and externalId. spec: `user`, the IAM user whose
 * access keys rotate.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import { readRoleOptions } from '../../aws/role-options.js';
import type { KeyConfig } from '../../config/types.js';
import { specOrThrow, unknownFields, type IssuerKind } from '../spec.js';

export interface AwsIamSpec {
  user: string;
}

/** IAM's own rule for user names. */
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

export interface AwsIamOptions {
  region?: string;
  endpoint?: string;
  verifyTimeoutMs: number;
  /** the role keyturn assumes for IAM calls (session `keyturn-<rotation id>`), with externalId when its trust policy asks */
  roleArn?: string;
  externalId?: string;
}

export const awsIamKind: IssuerKind<AwsIamSpec, AwsIamOptions> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const options = {
      region: o.text('region'),
      endpoint: o.text('endpoint'),
      verifyTimeoutMs: o.duration('verifyTimeout', 30_000),
      ...readRoleOptions(o),
    };
    return o.ok && options.verifyTimeoutMs !== undefined ? { ...options, verifyTimeoutMs: options.verifyTimeoutMs } : undefined;
  },
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
