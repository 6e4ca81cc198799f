/**
 * What a consumer is given, and how it gets there: only through the child's environment.
 * A secret never goes into argv (argv is visible to every user of the machine via ps).
 */
import type { RunContext } from '../context.js';
import { KEY_ID_ENV, ROTATION_ID_ENV, SECRET_ENV_NAMES_ENV } from '../env-names.js';
import type { KeyturnError } from '../errors.js';
import type { KeyMaterial } from '../model.js';

/** What a consumer is given: the new (or, on rollback, the old) key. */
export interface Delivery {
  keyId: string;
  rotationId: string;
  material: KeyMaterial;
}

/** One key's part of a consumer's restart: the key delivered, and the consumer's env mapping for it. */
export interface Share {
  delivery: Delivery;
  /** environment variable name → field of this key's material */
  mapping: Record<string, string>;
}

/**
 * The public part of a delivery's environment: key id, rotation id, and PATH from the run's
 * environment (run-command extends process.env; ctx.env is the environment keyturn was given,
 * so a test or an embedding program decides where executables are found). A consumer shared by
 * several keys of a run (src/engine/consumer-groups.ts) gets every key's id and rotation id,
 * comma-separated in the order of rotation.yaml.
 */
export function publicEnv(delivery: Delivery | readonly Delivery[], ctx: RunContext): Record<string, string> {
  const all = Array.isArray(delivery) ? (delivery as readonly Delivery[]) : [delivery as Delivery];
  const env: Record<string, string> = {
    [KEY_ID_ENV]: all.map((d) => d.keyId).join(','),
    [ROTATION_ID_ENV]: all.map((d) => d.rotationId).join(','),
  };
  if (ctx.env.PATH !== undefined) env.PATH = ctx.env.PATH;
  return env;
}

/**
 * publicEnv plus ENV_NAME → material[field] for every entry of `mapping`. A field the material
 * does not have is an error naming the field (never a value): `missing` builds it.
 */
export function secretEnv(
  mapping: Record<string, string>,
  delivery: Delivery,
  ctx: RunContext,
  missing: (field: string, envName: string) => KeyturnError,
): Record<string, string> {
  return sharedSecretEnv([{ delivery, mapping }], ctx, (field, envName) => missing(field, envName));
}

/**
 * secretEnv for a consumer shared by several keys: every share's mapping applied together.
 * The grouping refuses shares whose mappings name the same variable, so none overwrites another.
 */
export function sharedSecretEnv(
  shares: readonly Share[],
  ctx: RunContext,
  missing: (field: string, envName: string, share: Share) => KeyturnError,
): Record<string, string> {
  const env = publicEnv(
    shares.map((s) => s.delivery),
    ctx,
  );
  const names: string[] = [];
  for (const share of shares) {
    const { delivery, mapping } = share;
    // Whatever reaches a child must already be known to the redactor, so its output is masked.
    ctx.redactor.addMaterial(delivery.material);
    for (const [envName, field] of Object.entries(mapping)) {
      const value = Object.hasOwn(delivery.material, field) ? delivery.material[field] : undefined;
      if (value === undefined) throw missing(field, envName, share);
      env[envName] = value;
      names.push(envName);
    }
  }
  if (names.length > 0) env[SECRET_ENV_NAMES_ENV] = names.join(',');
  return env;
}
