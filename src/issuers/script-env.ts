/**
 * The environment contract between keyturn and an issuer's scripts. Secrets reach a script
 * only here (never argv): KEYTURN_SECRET_<FIELD> per material field, KEYTURN_SECRET for `value`.
 */
import { ISSUER_ENV, KEY_ENV, KEY_ID_ENV, ROTATION_ID_ENV, SECRET_ENV, SECRET_FIELD_ENV_PREFIX } from '../env-names.js';
import type { KeyMaterial } from '../model.js';

export interface ScriptEnvInput {
  /** the key's id in rotation.yaml */
  key: string;
  issuer: string;
  rotationId?: string;
  keyId?: string;
}

export function baseEnv(input: ScriptEnvInput): Record<string, string> {
  const env: Record<string, string> = { [KEY_ENV]: input.key, [ISSUER_ENV]: input.issuer };
  if (input.rotationId !== undefined) env[ROTATION_ID_ENV] = input.rotationId;
  if (input.keyId !== undefined) env[KEY_ID_ENV] = input.keyId;
  return env;
}

/** apiKey → API_KEY, client-secret → CLIENT_SECRET, privateKey → PRIVATE_KEY */
export function envNameOf(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

export function secretEnv(material: KeyMaterial): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, value] of Object.entries(material)) {
    env[`${SECRET_FIELD_ENV_PREFIX}${envNameOf(field)}`] = value;
    if (field === 'value') env[SECRET_ENV] = value;
  }
  return env;
}
