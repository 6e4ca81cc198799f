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

/**
 * The public part of a delivery's environment: key id, rotation id, and PATH from the run's
 * environment (run-command extends process.env; ctx.env is the environment keyturn was given,
 * so a test or an embedding program decides where executables are found).
 */
export function publicEnv(delivery: Delivery, ctx: RunContext): Record<string, string> {
  const env: Record<string, string> = {
    [KEY_ID_ENV]: delivery.keyId,
    [ROTATION_ID_ENV]: delivery.rotationId,
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
  // Whatever reaches a child must already be known to the redactor, so its output is masked.
  ctx.redactor.addMaterial(delivery.material);
  const env = publicEnv(delivery, ctx);
  const names: string[] = [];
  for (const [envName, field] of Object.entries(mapping)) {
    const value = Object.hasOwn(delivery.material, field) ? delivery.material[field] : undefined;
    if (value === undefined) throw missing(field, envName);
    env[envName] = value;
    names.push(envName);
  }
  if (names.length > 0) env[SECRET_ENV_NAMES_ENV] = names.join(',');
  return env;
}
