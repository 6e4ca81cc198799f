/**
 * The check of what an issuer's create() returned, before the engine stages it: the store keeps
 * whatever it is given, and an issuer shows a secret once, so a malformed answer must stop here.
 */
import { errors } from '../errors.js';
import type { IdentifiedKey, IssuedKey } from '../issuers/types.js';
import { isRecord } from '../config/raw-types.js';

/** Returns the key unchanged, or throws EISSUER naming what is wrong (field names only, never a value). */
export function checkIssuedKey(adapter: string, keyName: string, issued: unknown): IssuedKey {
  const problem = issuedKeyProblem(issued);
  if (problem) throw errors.issuer(`${adapter} returned an unusable key for ${keyName}: ${problem}`, 'this is a bug in the issuer');
  return issued as IssuedKey;
}

function issuedKeyProblem(issued: unknown): string | undefined {
  if (!isRecord(issued)) return 'not an object';
  if (typeof issued.keyId !== 'string' || issued.keyId === '') return 'keyId is not a non-empty string';
  const material = issued.material;
  if (!isRecord(material) || Object.keys(material).length === 0) return 'material is not a non-empty object';
  const field = Object.keys(material).find((name) => typeof material[name] !== 'string');
  return field === undefined ? undefined : `material.${field} is not a string`;
}

/** What identify() returned (adopt records it): a non-empty keyId and, when present, a createdAt that is a date. */
export function checkIdentified(adapter: string, keyName: string, known: unknown): IdentifiedKey {
  const problem = !isRecord(known)
    ? 'not an object'
    : typeof known.keyId !== 'string' || known.keyId === ''
      ? 'keyId is not a non-empty string'
      : known.createdAt !== undefined && (typeof known.createdAt !== 'string' || Number.isNaN(Date.parse(known.createdAt)))
        ? 'createdAt is not a date'
        : undefined;
  if (problem) throw errors.issuer(`${adapter} could not identify ${keyName}'s credential: ${problem}`, 'this is a bug in the issuer');
  return known as unknown as IdentifiedKey;
}
