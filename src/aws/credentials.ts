/**
 * Credentials the way production runs them. Without `roleArn` every client uses the SDK's
 * standard chain, which already covers web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN,
 * as EKS service accounts and CI OIDC set them: STS AssumeRoleWithWebIdentity). With `roleArn`,
 * keyturn assumes that role with STS AssumeRole, signed by whatever the chain gives (a web
 * identity included), with `externalId` when the role's trust policy requires one ("a unique
 * identifier that might be required when you assume a role in another account": AssumeRole,
 * ExternalId), and a session name that says who is acting (`keyturn-<rotation id>` where one is
 * known: it shows in CloudTrail as the assumed-role ARN's last part).
 *
 * A role that cannot be assumed fails with the role's ARN and the permission it takes:
 * sts:AssumeRole on the role for keyturn's identity, and a trust policy that lets it in.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { awsErrorName, clientConfig, type AwsClientOptions } from './client-config.js';

export interface RoleOptions {
  roleArn?: string;
  externalId?: string;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialsProvider = () => Promise<AwsCredentials>;

/** IAM's rule for a role session name: 2 to 64 of letters, digits and +=,.@_- */
export function sessionName(what: string): string {
  const name = `keyturn-${what}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return name.length >= 2 ? name : 'keyturn';
}

/** Assumed credentials are renewed this long before they expire. */
const REFRESH_MS = 5 * 60_000;

/**
 * A provider of the role's temporary credentials, renewed before they expire. `fail` builds
 * the error (a store's or an issuer's), given a message naming the role and a hint.
 */
export function assumeRole(
  role: { roleArn: string; externalId?: string; sessionName: string },
  base: AwsClientOptions,
  env: NodeJS.ProcessEnv,
  fail: (message: string, hint: string) => Error,
): CredentialsProvider {
  let cached: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fetch = async (): Promise<AwsCredentials> => {
    // the chain reads process.env; an env handed in (a test's, a workspace's) brings its own keys
    const keys =
      env !== process.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
              sessionToken: env.AWS_SESSION_TOKEN,
            },
          }
        : {};
    const sts = new STSClient({ ...clientConfig(base, env), ...keys });
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName,
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
          DurationSeconds: 3600,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw fail(`STS AssumeRole of ${role.roleArn} returned no credentials`, 'retry');
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    } catch (error) {
      const code = awsErrorName(error);
      if (code === 'AccessDenied' || code === 'AccessDeniedException')
        throw fail(
          `cannot assume role ${role.roleArn}: access denied (sts:AssumeRole)`,
          `keyturn's identity needs sts:AssumeRole on ${role.roleArn}, and the role's trust policy must allow it` +
            (role.externalId ? ' with this externalId' : ''),
        );
      if (code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'InvalidIdentityToken')
        throw fail(
          `cannot assume role ${role.roleArn}: the credentials that sign sts:AssumeRole expired or were refused (${code})`,
          'renew the base credentials (or the web identity token file) and run again',
        );
      if (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch' || code === 'CredentialsProviderError')
        throw fail(
          `cannot assume role ${role.roleArn}: keyturn's own credentials were refused (${code})`,
          'check the standard AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE)',
        );
      throw error;
    } finally {
      sts.destroy();
    }
  };
  return async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - REFRESH_MS > Date.now())) return cached;
    pending ??= fetch().finally(() => (pending = undefined));
    cached = await pending;
    return cached;
  };
}
