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
import { closest } from '../config/suggest.js';
import { errors } from '../errors.js';
import { inAlphabet, NAMED_ALPHABETS, parseAlphabet, randomString, type Alphabet } from './alphabet.js';
import { specOrThrow, unknownFields, type IssuerKind } from './spec.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget } from './types.js';

export const DEFAULT_LENGTH = 40;
export const MIN_LENGTH = 16;

export const MAX_LENGTH = 4096;

export interface RandomSpec {
  length: number;
  alphabet: Alphabet;
  prefix: string;
}

const SPEC_FIELDS = ['length', 'alphabet', 'prefix', 'allowShort'] as const;

/** A random key's spec, every problem reported at its field. */
export const randomKind: IssuerKind<RandomSpec, Record<string, never>> = {
  // nothing to configure: the schema refuses any option
  parseOptions: () => ({}),
  parseSpec(spec, _options, report) {
    let ok = !unknownFields(spec, SPEC_FIELDS, 'random', report);
    const { length = DEFAULT_LENGTH, alphabet = 'base62', prefix = '', allowShort = false } = spec;
    if (typeof allowShort !== 'boolean') {
      report(['allowShort'], 'must be true or false');
      ok = false;
    }
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 1) {
      const hint = typeof length === 'string' ? 'write the number without quotes' : `a whole number from ${MIN_LENGTH} to ${MAX_LENGTH}`;
      report(['length'], `must be a positive whole number, not ${JSON.stringify(length)}`, hint);
      ok = false;
    } else if (length > MAX_LENGTH) {
      report(['length'], `must be at most ${MAX_LENGTH}`);
      ok = false;
    } else if (length < MIN_LENGTH && allowShort !== true) {
      report(['length'], `${length} is shorter than ${MIN_LENGTH}`, 'set spec.allowShort: true if the consumer cannot take more');
      ok = false;
    }
    let parsed: Alphabet | string = 'must be a string';
    if (typeof alphabet === 'string') parsed = parseAlphabet(alphabet);
    if (typeof parsed === 'string') {
      const guess = typeof alphabet === 'string' ? closest(alphabet, Object.keys(NAMED_ALPHABETS)) : undefined;
      report(['alphabet'], parsed, guess ? `did you mean \`${guess}\`?` : undefined);
      ok = false;
    }
    if (typeof prefix !== 'string') {
      report(['prefix'], `must be a string, not ${JSON.stringify(prefix)}`, 'quote it: prefix: "5"');
      ok = false;
    }
    return ok ? { length: length as number, alphabet: parsed as Alphabet, prefix: prefix as string } : undefined;
  },
  fields: () => ['value'],
};

/** Read a key's spec at run time; a bad spec is a configuration error pointing at the key. */
export function parseRandomSpec(key: KeyConfig): RandomSpec {
  return specOrThrow(randomKind, key, {});
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
      if (length !== spec.length)
        throw errors.verify(`key ${key.id} (${issued.keyId}): value has ${length} characters, ${spec.length} declared`);
      if (!inAlphabet(spec.alphabet, body))
        throw errors.verify(`key ${key.id} (${issued.keyId}): value has characters outside the ${spec.alphabet.name} alphabet`);
    },

    async revoke(keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      // Nothing is held outside keyturn: the value dies when the store drops the version and
      // consumers restart on the new one. Whoever copied it elsewhere must be rotated by hand.
      ctx.logger.debug(`issuer ${config.name}: nothing to revoke for ${key.id} ${keyId} (random values exist only in the store)`);
    },
  };
}

export const factory: IssuerFactory = { type: 'random', create: createRandomIssuer };
