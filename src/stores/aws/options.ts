/**
 * The `aws-secrets-manager` store's options: region, endpoint, prefix, keyIdField,
 * allowLambdaRotation, summaryTags, roleArn and externalId (the role keyturn assumes, see
 * src/aws/credentials.ts). Credentials come from the standard AWS chain only, never from here.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import { readRoleOptions } from '../../aws/role-options.js';
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
      ...readRoleOptions(o),
    };
    return o.ok ? options : undefined;
  },
};
