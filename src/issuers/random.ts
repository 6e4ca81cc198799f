/**
 * `random`: tokens, webhook secrets, passwords generated locally. Nothing exists outside
 * keyturn's store, so there is nothing to create remotely, nothing to revoke and nothing to
 * prove dead: once the store no longer holds a value and no consumer uses it, it is gone.
 *
 * spec: length (default 40, at least 16 unless allowShort), alphabet (see alphabet.ts),
 * prefix (prepended; not counted in length).
 */
import { randomBytes } from 'node:crypto';
import type { IssuerConfig, KeyConfig } from '../config/types.js';
import { errors } from '../errors.js';
import { inAlphabet, parseAlphabet, randomString, type Alphabet } from './alphabet.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget } from './types.js';

export const DEFAULT_LENGTH = 40;
export const MIN_LENGTH = 16;

export interface RandomSpec {
  length: number;
  alphabet: Alphabet;
  prefix: string;
}

/** Read a key's spec; a bad spec is a configuration error pointing at the key. */
export function parseRandomSpec(key: KeyConfig): RandomSpec {
  const where = `${key.position.file}:${key.position.line}:${key.position.column}`;
  const bad = (message: string) => errors.config(`key ${key.id}: ${message}`, where);
  const { length = DEFAULT_LENGTH, alphabet = 'base62', prefix = '', allowShort = false } = key.spec;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 1) throw bad('spec.length must be a positive integer');
  if (length < MIN_LENGTH && allowShort !== true) {
    throw bad(`spec.length ${length} is shorter than ${MIN_LENGTH}; set spec.allowShort: true if the consumer cannot take more`);
  }
  if (length > 4096) throw bad('spec.length must be at most 4096');
  if (typeof alphabet !== 'string') throw bad('spec.alphabet must be a string');
  const parsed = parseAlphabet(alphabet);
  if (typeof parsed === 'string') throw bad(`spec.alphabet: ${parsed}`);
  if (typeof prefix !== 'string') throw bad('spec.prefix must be a string');
  return { length, alphabet: parsed, prefix };
}

export function createRandomIssuer(config: IssuerConfig): Issuer {
  return {
    type: 'random',
    createsRemotely: false,

    describe({ key }: IssueTarget): string {
      const spec = parseRandomSpec(key);
      const prefix = spec.prefix ? ` after the prefix "${spec.prefix}"` : '';
      return `generate ${spec.length} random ${spec.alphabet.name} characters${prefix}`;
    },

    async create({ key }: IssueTarget, ctx: IssuerContext): Promise<IssuedKey> {
      const spec = parseRandomSpec(key);
      const value = spec.prefix + randomString(spec.alphabet, spec.length);
      ctx.redactor.add(value);
      // a fresh random id: deriving it from the value would leak bits of the secret
      const keyId = `rnd_${randomBytes(6).toString('hex')}`;
      ctx.logger.debug(`issuer ${config.name} generated ${keyId} for ${key.id}`, { length: spec.length, alphabet: spec.alphabet.name });
      return { keyId, material: { value } };
    },

    async verify(issued: IssuedKey, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      const spec = parseRandomSpec(key);
      const value = issued.material.value;
      if (typeof value !== 'string') throw errors.verify(`key ${key.id} (${issued.keyId}): material has no \`value\``);
      ctx.redactor.add(value);
      const body = value.startsWith(spec.prefix) ? value.slice(spec.prefix.length) : undefined;
      if (body === undefined) throw errors.verify(`key ${key.id} (${issued.keyId}): value does not start with the declared prefix`);
      const length = Array.from(body).length;
      if (length !== spec.length) throw errors.verify(`key ${key.id} (${issued.keyId}): value has ${length} characters, ${spec.length} declared`);
      if (!inAlphabet(spec.alphabet, body)) throw errors.verify(`key ${key.id} (${issued.keyId}): value has characters outside the ${spec.alphabet.name} alphabet`);
    },

    async revoke(keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      // Nothing is held outside keyturn: the value dies when the store drops the version and
      // consumers restart on the new one. Whoever copied it elsewhere must be rotated by hand.
      ctx.logger.debug(`issuer ${config.name}: nothing to revoke for ${key.id} ${keyId} (random values exist only in the store)`);
    },
  };
}

export const factory: IssuerFactory = { type: 'random', create: createRandomIssuer };
