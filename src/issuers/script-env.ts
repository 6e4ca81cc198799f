import type { KeyMaterial } from '../model.js';
/**
 * The environment contract between keyturn and an issuer's scripts. Secrets reach a script
 * only here (never argv): KEYTURN_SECRET_<FIELD> per material field, KEYTURN_SECRET for `value`.
 */

export interface ScriptEnvInput {
  /** the key's id in rotation.yaml */
  key: string;
  issuer: string;
  rotationId?: string;
  keyId?: string;
}

export function baseEnv(input: ScriptEnvInput): Record<string, string> {
  const env: Record<string, string> = { KEYTURN_KEY: input.key, KEYTURN_ISSUER: input.issuer };
  if (input.rotationId !== undefined) env.KEYTURN_ROTATION_ID = input.rotationId;
  if (input.keyId !== undefined) env.KEYTURN_KEY_ID = input.keyId;
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
    env[`KEYTURN_SECRET_${envNameOf(field)}`] = value;
    if (field === 'value') env.KEYTURN_SECRET = value;
  }
  return env;
}
