/**
 * Build the Secrets Manager store from rotation.yaml: options region, endpoint, prefix,
 * keyIdField, allowLambdaRotation. Credentials come from the standard AWS chain only, never
 * from rotation.yaml. KEYTURN_AWS_ALLOW_LAMBDA_ROTATION=1 is the same switch for one run.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig } from '../../aws/client-config.js';
import type { StoreConfig } from '../../config/types.js';
import { errors } from '../../errors.js';
import { SecretsManagerStore } from './secrets-store.js';
import { AWS_ALLOW_LAMBDA_ROTATION_ENV } from '../../env-names.js';

export async function openSecretsManagerStore(
  config: StoreConfig,
  options: { baseDir: string; env: NodeJS.ProcessEnv },
): Promise<SecretsManagerStore> {
  const o = config.options;
  const text = (name: string): string | undefined => {
    const value = o[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '')
      throw errors.config(`store ${config.name}: option ${name} must be a non-empty string`);
    return value;
  };
  if (o.allowLambdaRotation !== undefined && typeof o.allowLambdaRotation !== 'boolean') {
    throw errors.config(`store ${config.name}: option allowLambdaRotation must be true or false`);
  }
  const fromEnv = options.env[AWS_ALLOW_LAMBDA_ROTATION_ENV] === '1';
  const client = new SecretsManagerClient(clientConfig({ region: text('region'), endpoint: text('endpoint') }, options.env));
  return new SecretsManagerStore({
    client,
    prefix: text('prefix'),
    keyIdField: text('keyIdField'),
    allowLambdaRotation: o.allowLambdaRotation === true || fromEnv,
  });
}
