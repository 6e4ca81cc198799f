/**
 * `ed25519`: a signing key pair generated locally. The private key (PKCS#8 PEM) is the
 * material; the public key (SPKI PEM) is public meta, and the optional `register` command
 * publishes it where verifiers read it. The private key never reaches any command.
 *
 * options: register, deregister, check, list (argv lists or `sh -c` strings), timeout.
 * register gets the public key in KEYTURN_PUBLIC_KEY and on stdin.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import { settingsOf } from '../adapters/settings.js';
import type { IssuerConfig } from '../config/types.js';
import { errors } from '../errors.js';
import { PUBLIC_KEY_ENV } from '../env-names.js';
import { ed25519Kind } from './ed25519-spec.js';
import { baseEnv } from './script-env.js';
import { listByScript, runScript, scriptFailure, type ScriptRun } from './script.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget } from './types.js';

/** ed25519: + the first 16 hex characters of sha256(raw 32-byte public key). */
export function fingerprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  const raw = Buffer.from(jwk.x, 'base64url');
  return `ed25519:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/** Every form in which a PEM private key could show up in text: whole, base64 body, lines. */
export function pemSecretForms(pem: string): string[] {
  const lines = pem
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('-----'));
  return [pem, pem.trim(), lines.join(''), ...lines];
}

export function createEd25519Issuer(config: IssuerConfig): Issuer {
  const { register, deregister, check, list, timeoutMs } = settingsOf(ed25519Kind, config, 'issuer');

  const script = (step: string, argv: string[], env: Record<string, string>): ScriptRun => ({ issuer: config, step, argv, env, timeoutMs });

  const issuer: Issuer = {
    type: 'ed25519',
    createsRemotely: Boolean(register),

    describe({ key }: IssueTarget): string {
      return `generate an Ed25519 key pair for ${key.id}${register ? ' and run `register` with its public key' : ''}`;
    },

    async create({ key }: IssueTarget, ctx: IssuerContext): Promise<IssuedKey> {
      const pair = generateKeyPairSync('ed25519');
      const privateKey = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      ctx.redactor.add(...pemSecretForms(privateKey));
      const publicKey = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      const keyId = fingerprint(pair.publicKey);
      if (register) {
        const run: ScriptRun = {
          ...script('register', register, {
            ...baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId }),
            [PUBLIC_KEY_ENV]: publicKey,
          }),
          // also on stdin, for tools that read a PEM from there (`ssh-keygen -l -f -`, `tee FILE`)
          input: publicKey,
        };
        const result = await runScript(run, ctx);
        if (result.exitCode !== 0) throw scriptFailure('issuer', run, result, ctx.redactor);
      }
      ctx.logger.debug(`issuer ${config.name} created ${keyId} for ${key.id}`);
      return { keyId, material: { privateKey }, meta: { publicKey } };
    },

    async verify(issued: IssuedKey, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      const pem = issued.material.privateKey;
      if (typeof pem !== 'string') throw errors.verify(`key ${key.id} (${issued.keyId}): material has no \`privateKey\``);
      ctx.redactor.add(...pemSecretForms(pem));
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey(pem);
      } catch {
        // the parser's message is not shown: it is about the secret's bytes
        throw errors.verify(`key ${key.id} (${issued.keyId}): privateKey is not a readable PEM private key`);
      }
      if (privateKey.asymmetricKeyType !== 'ed25519')
        throw errors.verify(`key ${key.id} (${issued.keyId}): privateKey is not an Ed25519 key`);
      const derived = createPublicKey(privateKey);
      if (fingerprint(derived) !== issued.keyId) throw errors.verify(`key ${key.id}: the private key does not belong to ${issued.keyId}`);
      let publicKey = derived;
      if (issued.meta?.publicKey) {
        try {
          publicKey = createPublicKey(issued.meta.publicKey);
        } catch {
          throw errors.verify(`key ${key.id} (${issued.keyId}): meta.publicKey is not a readable public key`);
        }
      }
      const challenge = randomBytes(32);
      const signature = sign(null, challenge, privateKey);
      if (!verifySignature(null, challenge, publicKey, signature)) {
        throw errors.verify(
          `key ${key.id} (${issued.keyId}): a signature made with the private key does not verify with the recorded public key`,
        );
      }
      if (check) {
        const run = script('check', check, {
          ...baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId: issued.keyId }),
          ...(issued.meta?.publicKey ? { [PUBLIC_KEY_ENV]: issued.meta.publicKey } : {}),
        });
        const result = await runScript(run, ctx);
        if (result.exitCode !== 0) throw scriptFailure('verify', run, result, ctx.redactor);
      }
    },

    async revoke(keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      if (!deregister) {
        ctx.logger.debug(`issuer ${config.name}: no deregister command; nothing to revoke for ${key.id} ${keyId}`);
        return;
      }
      const run = script('deregister', deregister, baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId }));
      const result = await runScript(run, ctx);
      if (result.exitCode !== 0) throw scriptFailure('issuer', run, result, ctx.redactor);
    },
  };

  if (check) {
    issuer.isDead = async (keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<boolean> => {
      const run = script('check', check, baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId }));
      const result = await runScript(run, ctx);
      // a check that times out proves nothing either way
      if (result.timedOut) throw scriptFailure('issuer', run, result, ctx.redactor);
      return result.exitCode !== 0;
    };
  }

  if (list) issuer.list = listByScript(config, list, timeoutMs);

  return issuer;
}

export const factory: IssuerFactory = { type: 'ed25519', create: createEd25519Issuer };
