/** The plan: what a run would do, for every selected key. Saved with --out, replayed by apply. */
import type { Finding } from '../policy/types.js';
import type { Selection } from './select.js';
import type { Trigger } from '../model.js';

export interface PlannedStep {
  step: string;
  target: string;
}

export interface PlannedKey {
  key: string;
  purpose: string;
  issuer: string;
  store: string;
  /** the fleet zone whose workers run its jobs; absent: the default queue */
  zone?: string;
  trigger: Trigger;
  /** why it is selected: "due since …", "never rotated", "offboarding alice (through team:trading)" */
  why: string;
  reason?: string;
  lastRotatedAt?: string;
  /** `keyturn adopt` recorded lastRotatedAt as the credential's creation date; no rotation since */
  adopted?: boolean;
  nextDue?: string;
  currentKeyId?: string;
  /** the current key's last use, where the issuer can tell (e.g. IAM GetAccessKeyLastUsed) */
  currentKeyLastUsed?: string;
  /** a journal shows a rotation in flight (or interrupted) */
  inFlight?: string;
  steps: PlannedStep[];
  findings: Finding[];
  /** an error-level finding blocks this key */
  blocked: boolean;
}

export interface PlannedRetirement {
  key: string;
  keyId: string;
  after: string;
  ready: boolean;
}

/** A consumer several selected keys share (src/engine/consumer-groups.ts). */
export interface PlannedConsumerGroup {
  consumer: string;
  /** the keys of this run */
  keys: string[];
  /** keys the run does not rotate that share the consumer: it gets the key they have now */
  alongside?: string[];
  /** true: restarted once for all these keys; false: refused, each key restarts it alone (see line) */
  once: boolean;
  /** "restart api once for keys a, b", or why not */
  line: string;
}

export interface Plan {
  format: 'keyturn-plan/1';
  createdAt: string;
  configFile: string;
  configHash: string;
  /** hash of the store state of the selected keys; apply refuses the plan when it changed */
  storeFingerprint: string;
  /** the selection as the operator wrote it, for people */
  selection: string;
  /**
   * What apply recomputes the plan from; absent from offboard and revoke previews, which
   * apply refuses. Everything else in a saved plan is only compared with the
   * recomputation, never trusted: a plan file is untrusted input.
   */
  request?: { selection: Selection };
  keys: PlannedKey[];
  retirements: PlannedRetirement[];
  /** consumers the runnable keys share; absent from plans saved before grouping existed */
  consumerGroups?: PlannedConsumerGroup[];
  /** findings not tied to one key */
  findings: Finding[];
}
