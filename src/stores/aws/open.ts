/**
 * Build the Secrets Manager store from its typed options (./options.ts). Credentials come from
 * the standard AWS chain only, never from rotation.yaml; with `roleArn` keyturn assumes that
 * role on top of them (src/aws/credentials.ts). KEYTURN_AWS_ALLOW_LAMBDA_ROTATION=1 is the same
 * switch as allowLambdaRotation, for one run.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig } from '../../aws/client-config.js';
import { assumeRole, sessionName } from '../../aws/credentials.js';
import { AWS_ALLOW_LAMBDA_ROTATION_ENV } from '../../env-names.js';
import { errors } from '../../errors.js';
import type { SecretsManagerOptions } from './options.js';
import { SecretsManagerStore } from './secrets-store.js';

export async function openSecretsManagerStore(
  options: SecretsManagerOptions,
  where: { baseDir: string; env: NodeJS.ProcessEnv },
): Promise<SecretsManagerStore> {
  const base = { region: options.region, endpoint: options.endpoint };
  // the store serves every key of a run: its session names the run's process, the issuer's each rotation
  const credentials = options.roleArn
    ? assumeRole(
        { roleArn: options.roleArn, externalId: options.externalId, sessionName: sessionName(`store-${process.pid}`) },
        base,
        where.env,
        (message, hint) => errors.store(message, hint),
      )
    : undefined;
  const client = new SecretsManagerClient({ ...clientConfig(base, where.env), ...(credentials ? { credentials } : {}) });
  return new SecretsManagerStore({
    client,
    prefix: options.prefix,
    keyIdField: options.keyIdField,
    allowLambdaRotation: options.allowLambdaRotation || where.env[AWS_ALLOW_LAMBDA_ROTATION_ENV] === '1',
    summaryTags: options.summaryTags,
  });
}
