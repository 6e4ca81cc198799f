/**
 * The `aws-secrets-manager` store's options: region, endpoint, prefix, keyIdField,
 * allowLambdaRotation, summaryTags, roleArn and externalId (the role keyturn assumes, see
 * src/aws/credentials.ts). Credentials come from the standard AWS chain only, never from here.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import type { OptionsKind } from '../../adapters/settings.js';

export interface SecretsManagerOptions {
  region?: string;
  endpoint?: string;
  prefix?: string;
  keyIdField?: string;
  allowLambdaRotation: boolean;
  summaryTags: boolean;
  roleArn?: string;
  externalId?: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export const secretsManagerKind: OptionsKind<SecretsManagerOptions> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const options: SecretsManagerOptions = {
      region: o.text('region'),
      endpoint: o.text('endpoint'),
      prefix: o.text('prefix'),
      keyIdField: o.text('keyIdField'),
      allowLambdaRotation: o.flag('allowLambdaRotation') ?? false,
      summaryTags: o.flag('summaryTags') ?? true,
      roleArn: o.text('roleArn'),
      externalId: o.text('externalId'),
    };
    if (options.roleArn !== undefined && !ROLE_ARN.test(options.roleArn))
      o.problem(['roleArn'], 'is not an IAM role ARN', 'arn:aws:iam::<12-digit account>:role/<name>');
    if (options.externalId !== undefined && options.roleArn === undefined)
      o.problem(['externalId'], 'needs roleArn: it is sent with AssumeRole');
    return o.ok ? options : undefined;
  },
};
