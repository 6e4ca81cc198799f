/**
 * Every KEYTURN_* environment variable keyturn reads or sets, so the contract with operators,
 * scripts and consumers can be read (and grepped) in one place. Values are names, never secrets.
 */

// Read by keyturn itself

/** the file store's master key (64 hex characters or base64 of 32 bytes); withheld from every child */
export const MASTER_KEY_ENV = 'KEYTURN_MASTER_KEY';
/** who runs keyturn, recorded in history as is (default: user@host) */
export const ACTOR_ENV = 'KEYTURN_ACTOR';
/** tests only: where a real process fails or kills itself, e.g. "create:after=kill" (docs/architecture.md#failpoints) */
export const FAILPOINTS_ENV = 'KEYTURN_FAILPOINTS';
/** tests only: the clock starts at this ISO instant and runs on from there (rotation windows across a DST change) */
export const NOW_ENV = 'KEYTURN_NOW';
/** "1": the Secrets Manager store rotates secrets that have Lambda rotation on, for this run */
export const AWS_ALLOW_LAMBDA_ROTATION_ENV = 'KEYTURN_AWS_ALLOW_LAMBDA_ROTATION';

// Set for an issuer's scripts and for consumers

/** the key's id in rotation.yaml (scripts) */
export const KEY_ENV = 'KEYTURN_KEY';
/** the issuer's name in rotation.yaml (scripts) */
export const ISSUER_ENV = 'KEYTURN_ISSUER';
/** the rotation id, which a create script puts in the remote key's name so orphans can be found */
export const ROTATION_ID_ENV = 'KEYTURN_ROTATION_ID';
/** the issuer's id of the key (public, safe to log) */
export const KEY_ID_ENV = 'KEYTURN_KEY_ID';
/** the key's `spec` from rotation.yaml as JSON (create script) */
export const SPEC_ENV = 'KEYTURN_SPEC';
/** the key's `restrictions` from rotation.yaml as JSON (create script) */
export const RESTRICTIONS_ENV = 'KEYTURN_RESTRICTIONS';
/** the Ed25519 public key as PEM (register and check scripts) */
export const PUBLIC_KEY_ENV = 'KEYTURN_PUBLIC_KEY';
/** the material's `value` field (scripts) */
export const SECRET_ENV = 'KEYTURN_SECRET';
/** followed by a material field's name in upper snake case: KEYTURN_SECRET_API_KEY (scripts) */
export const SECRET_FIELD_ENV_PREFIX = 'KEYTURN_SECRET_';
/** comma-separated names (never values) of the variables that carry the secret (consumers) */
export const SECRET_ENV_NAMES_ENV = 'KEYTURN_SECRET_ENV';
