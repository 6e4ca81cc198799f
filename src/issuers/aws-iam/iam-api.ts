/**
 * The IAM calls the aws-iam issuer makes, in one typed place. Access keys carry no name or
 * tag, so keyturn's bookkeeping lives in the user's tags: which key is CURRENT (the one
 * consumers use), which rotation created each key, and the intent written before a create
 * (so a key whose creator crashed before tagging it is still recognised as an orphan).
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { awsErrorName, clientConfig, type AwsClientOptions } from '../../aws/client-config.js';
import type { CredentialsProvider } from '../../aws/credentials.js';

export const TAG_CURRENT = 'keyturn:current';
export const TAG_CREATING = 'keyturn:creating';
export const keyTag = (keyId: string) => `keyturn:key:${keyId}`;

export interface AccessKey {
  keyId: string;
  status: string;
  createdAt?: string;
}

export class IamApi {
  readonly client: IAMClient;

  constructor(
    private readonly options: AwsClientOptions,
    private readonly env: NodeJS.ProcessEnv,
    credentials?: CredentialsProvider,
  ) {
    this.client = new IAMClient({ ...clientConfig(options, env), ...(credentials ? { credentials } : {}) });
  }

  async keys(user: string): Promise<AccessKey[]> {
    const out = await this.client.send(new ListAccessKeysCommand({ UserName: user }));
    return (out.AccessKeyMetadata ?? []).map((k) => ({
      keyId: k.AccessKeyId ?? '',
      status: k.Status ?? '',
      createdAt: k.CreateDate?.toISOString(),
    }));
  }

  async tags(user: string): Promise<Map<string, string>> {
    const out = await this.client.send(new ListUserTagsCommand({ UserName: user }));
    return new Map((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  }

  async tag(user: string, tags: Record<string, string>): Promise<void> {
    await this.client.send(new TagUserCommand({ UserName: user, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  }

  async untag(user: string, keys: string[]): Promise<void> {
    await this.client.send(new UntagUserCommand({ UserName: user, TagKeys: keys }));
  }

  async create(user: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const out = await this.client.send(new CreateAccessKeyCommand({ UserName: user }));
    return { accessKeyId: out.AccessKey?.AccessKeyId ?? '', secretAccessKey: out.AccessKey?.SecretAccessKey ?? '' };
  }

  async setStatus(user: string, keyId: string, status: 'Active' | 'Inactive'): Promise<void> {
    await this.client.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: keyId, Status: status }));
  }

  /** Idempotent: a key already gone is fine. */
  async delete(user: string, keyId: string): Promise<void> {
    try {
      await this.client.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: keyId }));
    } catch (error) {
      if (awsErrorName(error) !== 'NoSuchEntityException' && awsErrorName(error) !== 'NoSuchEntity') throw error;
    }
  }

  async lastUsed(keyId: string): Promise<{ at?: string; service?: string; region?: string } | undefined> {
    const out = await this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    const used = out.AccessKeyLastUsed;
    if (!used?.LastUsedDate) return undefined;
    return { at: used.LastUsedDate.toISOString(), service: used.ServiceName, region: used.Region };
  }

  /** GetCallerIdentity signed with the given key: its ARN, or the AWS error name. */
  async whoAmI(credentials: { accessKeyId: string; secretAccessKey: string }): Promise<{ arn?: string; error?: string }> {
    const sts = new STSClient({ ...clientConfig({ ...this.options, maxAttempts: 1 }, this.env), credentials });
    try {
      const out = await sts.send(new GetCallerIdentityCommand({}));
      return { arn: out.Arn };
    } catch (error) {
      return { error: awsErrorName(error) ?? 'Error' };
    } finally {
      sts.destroy();
    }
  }
}
