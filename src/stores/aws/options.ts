/**
 * The `aws-secrets-manager` store's options: region, endpoint, prefix, keyIdField,
 * allowLambdaRotation. Credentials come from the standard AWS chain only, never from here.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import type { OptionsKind } from '../../adapters/settings.js';

export interface SecretsManagerOptions {
  region?: string;
  endpoint?: string;
  prefix?: string;
  keyIdField?: string;
  allowLambdaRotation: boolean;
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
    };
    return o.ok ? options : undefined;
  },
};
