/**
 * `aws-iam`: IAM access keys, rotated by AWS's own procedure. create makes the second key
 * (when the user already holds two, the one that is not CURRENT is deleted first, never the
 * one consumers use); verify calls STS GetCallerIdentity signed with the new key, then, when
 * the key has no overlap window, deactivates the old key and verifies again; revoke deletes.
 * A rollback's revoke reactivates the old key first, so consumers are never left on a dead key.
 *
 * spec: user (the IAM user). options: region, endpoint, verifyTimeout (default 30s: new IAM
 * keys take a few seconds to work everywhere).
 */
import { settingsOf } from '../../adapters/settings.js';
import type { IssuerConfig } from '../../config/types.js';
import type { RunContext } from '../../context.js';
import { errors } from '../../errors.js';
import type { IdentifiedKey, IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget, KeyInfo, KeyUsage } from '../types.js';
import { assumeRole, sessionName } from '../../aws/credentials.js';
import { IamApi, keyTag, TAG_CREATING, TAG_CURRENT } from './iam-api.js';
import { awsIamKind, parseAwsIamSpec } from './spec.js';

const NOTE_DEACTIVATED = 'awsIamDeactivated';
const NOTE_PREVIOUS_CURRENT = 'awsIamPreviousCurrent';

function userOf({ key }: IssueTarget): string {
  return parseAwsIamSpec(key).user;
}

export function createAwsIamIssuer(config: IssuerConfig, env: NodeJS.ProcessEnv = process.env): Issuer {
  const { region, endpoint, verifyTimeoutMs, roleArn, externalId } = settingsOf(awsIamKind, config, 'issuer');
  const plain = new IamApi({ region, endpoint }, env);
  /** with roleArn, one assumed-role session per rotation: CloudTrail shows keyturn-<rotation id> on every IAM call */
  const sessions = new Map<string, IamApi>();
  const apiFor = (rotationId: string | undefined): IamApi => {
    if (!roleArn) return plain;
    rotationId ??= `run-${process.pid}`;
    let api = sessions.get(rotationId);
    if (!api) {
      const credentials = assumeRole({ roleArn, externalId, sessionName: sessionName(rotationId) }, { region, endpoint }, env, (m, h) =>
        errors.issuer(m, h),
      );
      api = new IamApi({ region, endpoint }, env, credentials);
      sessions.set(rotationId, api);
    }
    return api;
  };

  async function works(user: string, material: Record<string, string>): Promise<boolean> {
    // a deadline is elapsed time, not a date: real time, as for every timeout (see Clock)
    const deadline = Date.now() + verifyTimeoutMs;
    for (let delay = 250; ; delay = Math.min(delay * 2, 4000)) {
      const who = await plain.whoAmI({ accessKeyId: material.accessKeyId ?? '', secretAccessKey: material.secretAccessKey ?? '' });
      if (who.arn) return who.arn.endsWith(`/${user}`);
      // InvalidClientTokenId right after CreateAccessKey is IAM's propagation delay, not a verdict
      if (Date.now() + delay > deadline) return false;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  return {
    type: 'aws-iam',
    createsRemotely: true,

    describe(target) {
      return (
        `create a second access key for IAM user ${userOf(target)} ` +
        '(if it already holds two, first delete the one that is not CURRENT in the store); verify it with STS GetCallerIdentity'
      );
    },

    async create(target, ctx: IssuerContext): Promise<IssuedKey> {
      const user = userOf(target);
      const api = apiFor(ctx.rotationId);
      const [keys, tags] = await Promise.all([api.keys(user), api.tags(user)]);
      if (keys.length >= 2) {
        const current = tags.get(TAG_CURRENT);
        const spare = keys.filter((k) => k.keyId !== current);
        if (!current || spare.length !== 1) {
          throw errors.issuer(
            `IAM user ${user} already holds ${keys.length} access keys and keyturn cannot tell which one consumers use`,
            'delete the unused key by hand (aws iam delete-access-key), then rotate again',
          );
        }
        ctx.logger.warn(`${target.key.id}: IAM user ${user} holds two keys; deleting ${spare[0]!.keyId}, which is not CURRENT`);
        await api.delete(user, spare[0]!.keyId);
      }
      await api.tag(user, { [TAG_CREATING]: `${ctx.rotationId}@${ctx.clock.now().toISOString()}` });
      const made = await api.create(user);
      ctx.redactor.add(made.secretAccessKey);
      // Best effort: the intent tag already ties this key to the rotation if this tag is lost.
      await api.tag(user, { [keyTag(made.accessKeyId)]: ctx.rotationId }).catch(() => undefined);
      ctx.logger.info(`${target.key.id}: created access key ${made.accessKeyId} for IAM user ${user}`);
      return { keyId: made.accessKeyId, material: { accessKeyId: made.accessKeyId, secretAccessKey: made.secretAccessKey } };
    },

    async verify(key, target, ctx: IssuerContext): Promise<void> {
      const user = userOf(target);
      const api = apiFor(ctx.rotationId);
      if (!(await works(user, key.material)))
        throw errors.verify(`the new access key ${key.keyId} does not authenticate as IAM user ${user}`);
      const tags = await api.tags(user);
      const old = tags.get(TAG_CURRENT);
      const oldExists = old !== undefined && old !== key.keyId && (await api.keys(user)).some((k) => k.keyId === old);
      if (oldExists && target.key.overlapMs === 0) {
        ctx.notes[NOTE_DEACTIVATED] = old;
        await ctx.saveNotes();
        await api.setStatus(user, old, 'Inactive');
        if (!(await works(user, key.material))) {
          await api.setStatus(user, old, 'Active');
          throw errors.verify(`the new access key ${key.keyId} stopped working once ${old} was deactivated; ${old} is active again`);
        }
      }
      if (old && old !== key.keyId) ctx.notes[NOTE_PREVIOUS_CURRENT] = old;
      await ctx.saveNotes();
      await api.tag(user, { [TAG_CURRENT]: key.keyId });
    },

    async revoke(keyId, target, ctx: IssuerContext): Promise<void> {
      const user = userOf(target);
      const api = apiFor(ctx.rotationId);
      const deactivated = ctx.notes[NOTE_DEACTIVATED];
      const previousCurrent = ctx.notes[NOTE_PREVIOUS_CURRENT];
      if (deactivated && deactivated !== keyId) {
        // a rollback: the old key goes back to work before the new one is deleted
        await api.setStatus(user, deactivated, 'Active').catch(() => undefined);
      }
      const tags = await api.tags(user);
      if (tags.get(TAG_CURRENT) === keyId && previousCurrent && previousCurrent !== keyId)
        await api.tag(user, { [TAG_CURRENT]: previousCurrent });
      await api.delete(user, keyId);
      await api.untag(user, [keyTag(keyId)]);
    },

    async isDead(keyId, target, ctx?: IssuerContext): Promise<boolean> {
      return !(await apiFor(ctx?.rotationId).keys(userOf(target))).some((k) => k.keyId === keyId);
    },

    async list(target, _ctx: RunContext): Promise<KeyInfo[]> {
      const user = userOf(target);
      const api = apiFor(undefined);
      const [keys, tags] = await Promise.all([api.keys(user), api.tags(user)]);
      const [intentId, intentAt] = (tags.get(TAG_CREATING) ?? '').split('@');
      return keys.map((k) => {
        let name = tags.get(keyTag(k.keyId));
        // a key made after the intent and never tagged: its creator crashed in between
        if (
          !name &&
          intentId &&
          intentAt &&
          k.createdAt &&
          k.keyId !== tags.get(TAG_CURRENT) &&
          Date.parse(k.createdAt) >= Date.parse(intentAt) - 1000
        )
          name = intentId;
        return { keyId: k.keyId, ...(name ? { name } : {}), ...(k.createdAt ? { createdAt: k.createdAt } : {}) };
      });
    },

    async identify(current, target): Promise<IdentifiedKey> {
      const user = userOf(target);
      const keyId = current.material.accessKeyId ?? '';
      if (!keyId) throw errors.issuer(`key ${target.key.id}: the stored credential has no accessKeyId field`);
      // ListAccessKeys' CreateDate: the key's creation, whoever made it
      const listed = (await apiFor(undefined).keys(user)).find((k) => k.keyId === keyId);
      if (!listed) {
        throw errors.issuer(
          `access key ${keyId} in the store is not a key of IAM user ${user}`,
          'check spec.user in rotation.yaml, or put the key IAM lists for that user into the store',
        );
      }
      return listed.createdAt ? { keyId, createdAt: listed.createdAt } : { keyId };
    },

    async lastUsed(keyId): Promise<KeyUsage | undefined> {
      return apiFor(undefined).lastUsed(keyId);
    },
  };
}

export const factory: IssuerFactory = { type: 'aws-iam', create: (config) => createAwsIamIssuer(config) };
