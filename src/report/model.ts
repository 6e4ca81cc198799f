/**
 * The evidence report (`keyturn report`): what rotation.yaml declares and the stores' history
 * recorded, over a date range, in one shape that the HTML, CSV and JSON renderers all read.
 * Only ids, dates, names and outcomes: no field of a key's material is ever read.
 */
import type { HistoryEntry } from '../model.js';
import type { Finding } from '../policy/types.js';
import type { MasterKeyAge } from '../stores/file/master-key-age.js';

export interface ReportRange {
  /** inclusive, ISO */
  since: string;
  /** inclusive, ISO */
  until: string;
}

/** on time: rotated within its period; overdue: past its period or never rotated; failing: its last try failed or it needs attention. */
export type KeyStanding = 'on-time' | 'overdue' | 'failing';

export interface KeyReport {
  key: string;
  purpose: string;
  /** as declared: person ids and `team:NAME` */
  holders: string[];
  issuer: string;
  store: string;
  periodMs?: number;
  tier?: string;
  /** completed rotations (and retirements of old keys) in the range, oldest first */
  rotations: HistoryEntry[];
  /** the last completed rotation at the end of the range */
  lastRotatedAt?: string;
  nextDue?: string;
  overdue: boolean;
  overdueMs: number;
  neverRotated: boolean;
  standing: KeyStanding;
  /** why it is failing: the store's attention note, or the last attempt's outcome */
  failing?: string;
  findings: Finding[];
  /** the key's age against its period over the range, for the chart */
  age: AgeSeries;
}

/** Points (time, age in ms) of a sawtooth that drops to 0 at each completed rotation. */
export interface AgeSeries {
  points: Array<[number, number]>;
  /** the greatest age reached in the range */
  maxAgeMs: number;
  /** completed rotations in the range: the sawtooth's drops */
  resets: number;
  /** the age passed the period somewhere in the range */
  exceeded: boolean;
}

export interface OffboardedKey {
  key: string;
  rotatedAt?: string;
  outcome: string;
  rotationId?: string;
  /** from the start of the offboarding to this key's rotation */
  afterMs?: number;
}

export interface Offboarding {
  person: string;
  name?: string;
  startedAt: string;
  keys: OffboardedKey[];
  /** from the start to the last key rotated; undefined when a key was not rotated */
  untilLastMs?: number;
  complete: boolean;
}

export interface RevokeEvent {
  key: string;
  rotationId: string;
  startedAt: string;
  finishedAt: string;
  actor: string;
  reason: string;
  oldKeyId?: string;
  newKeyId?: string;
  outcome: string;
  durationMs: number;
}

export interface ReportSummary {
  keys: number;
  onTime: number;
  overdue: number;
  failing: number;
  rotations: number;
  offboardings: number;
  revokes: number;
  /** the longest time from an offboarding's start to its last key rotated */
  longestOffboardingMs?: number;
}

export interface Requirement {
  /** e.g. "PCI DSS v4.0.1 3.7.4" */
  id: string;
  says: string;
  /** which figures of this report evidence it */
  evidence: string;
  /** the sections of the report (ids in the HTML) that hold them */
  sections: string[];
}

export interface Report {
  format: 'keyturn-report/1';
  generatedAt: string;
  range: ReportRange;
  config: { file: string; sha256: string };
  summary: ReportSummary;
  keys: KeyReport[];
  /** every history entry in the range, keys no longer in rotation.yaml too, oldest first */
  history: HistoryEntry[];
  offboardings: Offboarding[];
  revokes: RevokeEvent[];
  /** each file store's master key (a key-encrypting key) against its masterKeyPeriod, as of generation */
  masterKeys: MasterKeyAge[];
  requirements: Requirement[];
}
