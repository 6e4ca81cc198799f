/**
 * The Issuer interface: where keys are born and die. An issuer shows a secret once, so the
 * engine stages whatever create() returns before it does anything else, and every issuer
 * that creates something remotely names it after the rotation id so an orphan can be found.
 */
import type { IssuerConfig, KeyConfig, Restrictions } from '../config/types.js';
import type { RunContext } from '../context.js';
import type { Finding } from '../policy/types.js';
import type { KeyMaterial } from '../model.js';

export interface IssuedKey {
  /** the issuer's id of the credential: public, safe to log (an API key id, a fingerprint) */
  keyId: string;
  material: KeyMaterial;
  /** restrictions the issuer actually applied */
  restrictions?: Restrictions;
  /** public, non-secret facts to keep beside the version (e.g. publicKey) */
  meta?: Record<string, string>;
}

export interface KeyInfo {
  keyId: string;
  /** the name or label the issuer keeps (carries the rotation id when keyturn created it) */
  name?: string;
  createdAt?: string;
  restrictions?: Restrictions;
}

/** What the issuer knows of a credential keyturn did not create (`keyturn adopt`). */
export interface IdentifiedKey {
  /** the issuer's id of the credential, as create() would have named it */
  keyId: string;
  /** ISO time the issuer created the credential; absent when this issuer cannot tell for this credential */
  createdAt?: string;
}

/** A key as the store holds it: the issuer's id and the material (every value a secret). */
export type StoredKey = Pick<IssuedKey, 'keyId' | 'material'>;

/** What an issuer is asked to work on: the key's declaration and the issuer's own config. */
export interface IssueTarget {
  key: KeyConfig;
  issuer: IssuerConfig;
}

/** Per-call context: the run's services plus the rotation this call belongs to. */
export interface IssuerContext extends RunContext {
  rotationId: string;
  /** resumable issuers (manual) keep progress here; persisted in the journal, never secrets */
  notes: Record<string, string>;
  saveNotes(): Promise<void>;
}

export interface Issuer {
  readonly type: string;
  /** true when create() changes something outside keyturn (then crash recovery may need list()) */
  readonly createsRemotely: boolean;
  /** One line for plans: what create will do, never a secret. `currentKeyId`: the key the store holds as CURRENT, if any. */
  describe(target: IssueTarget, currentKeyId?: string): string;
  create(target: IssueTarget, ctx: IssuerContext): Promise<IssuedKey>;
  /** Smoke test with the NEW key; throws EVERIFY when it does not work as declared. */
  verify(key: IssuedKey, target: IssueTarget, ctx: IssuerContext): Promise<void>;
  /**
   * Delete the key at the issuer. Idempotent: already gone is fine. `stored`, when the store
   * holds the key, lets an issuer address it without listing first (a leak: every call counts).
   */
  revoke(keyId: string, target: IssueTarget, ctx: IssuerContext, stored?: StoredKey): Promise<void>;
  /** How many revokes may run at once within the issuer's documented rate limits (mass revoke); default 8. */
  readonly parallelRevokes?: number;
  /** Negative test after retire: true when the issuer proves the key no longer works. */
  isDead?(keyId: string, target: IssueTarget, ctx: IssuerContext): Promise<boolean>;
  /** Keys the issuer holds for this target (drift audit, orphan recovery). */
  list?(target: IssueTarget, ctx: RunContext): Promise<KeyInfo[]>;
  /** Read-only: when and where the key was last used (plan and status show it for the old key). */
  lastUsed?(keyId: string, target: IssueTarget, ctx: RunContext): Promise<KeyUsage | undefined>;
  /** Read-only: the key's live restrictions at the issuer (audit compares them with rotation.yaml). */
  inspect?(keyId: string, target: IssueTarget, ctx: RunContext): Promise<KeyInfo | undefined>;
  /**
   * Read-only: findings only the current key itself can show (audit), beyond what list()
   * reports. A failed read is a finding, not a throw: the audit goes on with the other keys.
   */
  audit?(current: StoredKey, target: IssueTarget, ctx: RunContext): Promise<Finding[]>;
  /**
   * Read-only (`keyturn adopt`): the credential the store holds, looked up at the issuer: its
   * key id as this issuer names keys, and when the issuer created it (Binance `createTime`, IAM
   * `CreateDate`). Throws when the issuer does not know the credential. Absent: the issuer
   * cannot tell (PostgreSQL keeps no date of a password change), so adopt needs `--rotated-at`.
   */
  identify?(current: StoredKey, target: IssueTarget, ctx: RunContext): Promise<IdentifiedKey>;
}

export interface KeyUsage {
  /** ISO time of the last use */
  at?: string;
  service?: string;
  region?: string;
}

export interface IssuerFactory {
  type: string;
  create(config: IssuerConfig): Issuer;
}
