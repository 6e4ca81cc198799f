/**
 * How keyturn names and describes Secrets Manager versions. A version id is the
 * ClientRequestToken of its PutSecretValue: derived from the rotation id, readable in the
 * console, and padded to the 32 characters AWS requires. A placeholder version holds `{}`
 * as AWSCURRENT on a secret keyturn created before its first key: AWS makes the first
 * version of a secret AWSCURRENT whatever VersionStages says, so without it the first
 * stage could not be PENDING, and a rolled-back first rotation could not leave "no CURRENT".
 */
import { createHash } from 'node:crypto';

export const PLACEHOLDER_VERSION = 'keyturn-placeholder-0000000000000';
export const PLACEHOLDER_VALUE = '{}';

export function tokenFor(rotationId: string): string {
  if (/^[A-Za-z0-9-]{1,58}$/.test(rotationId)) return `kt-${rotationId}-`.padEnd(32, 'x');
  return `kt-h-${createHash('sha256').update(rotationId).digest('hex').slice(0, 40)}`;
}

/** What keyturn keeps about one version, in the tag `keyturn:v:<versionId>`. */
export interface VersionMeta {
  /** rotation id */
  r: string;
  /** the issuer's key id */
  k: string;
  /** created at (ISO) */
  c: string;
  /** public meta from the issuer */
  m: Record<string, string>;
  /** the version that was CURRENT when this one was staged: rollback moves AWSPREVIOUS back to it */
  p?: string;
}

export const versionTag = (versionId: string) => `keyturn:v:${versionId}`;

export type Label = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';

/** The version a label sits on (AWS keeps each label on exactly one version). */
export function holder(stages: Map<string, string[]>, label: Label): string | undefined {
  for (const [id, labels] of stages) if (labels.includes(label)) return id;
  return undefined;
}

/**
 * The version id of a rotation's key: `kt-<rotation id>--<key id>--` padded with x to AWS's
 * 32-character minimum, so the version itself names its key: a crash right after
 * PutSecretValue loses nothing the resume needs even before the state secret records it.
 * Rotation or key ids that do not fit (other characters, `--`, longer than 64 in all) get the
 * older form, tokenFor(rotationId), and their facts are written to the state first.
 */
export function versionToken(rotationId: string, keyId: string): string {
  const token = `kt-${rotationId}--${keyId}--`;
  const fits = /^[A-Za-z0-9-]+$/.test(rotationId) && /^[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*$/.test(keyId) && !rotationId.includes('--');
  return fits && token.length <= 64 ? token.padEnd(32, 'x') : tokenFor(rotationId);
}

/** The rotation and key a version id names (versionToken), or undefined for any other id. */
export function parseToken(versionId: string): { rotationId: string; keyId: string } | undefined {
  const m = /^kt-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)--([A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)--x*$/.exec(versionId);
  return m ? { rotationId: m[1]!, keyId: m[2]! } : undefined;
}

/** Whether version `versionId` belongs to `rotationId` (either id form). */
export function isVersionOf(versionId: string, rotationId: string): boolean {
  return versionId === tokenFor(rotationId) || parseToken(versionId)?.rotationId === rotationId;
}
