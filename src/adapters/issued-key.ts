/**
 * The check of what an issuer's create() returned, before the engine stages it: the store keeps
 * whatever it is given, and an issuer shows a secret once, so a malformed answer must stop here.
 */
import { errors } from '../errors.js';
import type { IssuedKey } from '../issuers/types.js';
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
