/**
 * Build the Secrets Manager store from its typed options (./options.ts). Credentials come from
 * the standard AWS chain only, never from rotation.yaml. KEYTURN_AWS_ALLOW_LAMBDA_ROTATION=1 is
 * the same switch as allowLambdaRotation, for one run.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig } from '../../aws/client-config.js';
import { AWS_ALLOW_LAMBDA_ROTATION_ENV } from '../../env-names.js';
import type { SecretsManagerOptions } from './options.js';
import { SecretsManagerStore } from './secrets-store.js';

export async function openSecretsManagerStore(
  options: SecretsManagerOptions,
  where: { baseDir: string; env: NodeJS.ProcessEnv },
): Promise<SecretsManagerStore> {
  const client = new SecretsManagerClient(clientConfig({ region: options.region, endpoint: options.endpoint }, where.env));
  return new SecretsManagerStore({
    client,
    prefix: options.prefix,
    keyIdField: options.keyIdField,
    allowLambdaRotation: options.allowLambdaRotation || where.env[AWS_ALLOW_LAMBDA_ROTATION_ENV] === '1',
  });
}
