/**
 * The `aws-secrets-manager` store: AWS's own staging protocol on real labels. stage is
 * PutSecretValue(ClientRequestToken, [AWSPENDING]); promote moves AWSCURRENT (AWS puts
 * AWSPREVIOUS on the old version); rollback moves AWSCURRENT back. Every read of material names
 * its VersionStage. keyturn's own state (lease, journal, record, full history, version facts)
 * lives in a state secret it owns, `keyturn-state/<name>` (state.ts, state-secret.ts), written
 * with a one-call compare-and-set; the managed secret keeps only a readable summary in at most 4
 * tags. A secret a previous keyturn wrote (state in tags) is read as such and migrated by the
 * first state write (legacy.ts). docs/aws.md has the design and its AWS references.
 *
 * Under its lease this process is the only keyturn writer of a key, so it remembers the state and
 * the DescribeSecret it read (cache.ts), and holds back the writes a crash may lose without harm
 * (record, history, the journal's clear, a checkpoint the labels already prove) until the next
 * write or the release: the journal's last durable checkpoint then resumes the rotation.
 */
import { isDeepStrictEqual } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
  type SecretListEntry,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { awsErrorName } from '../../aws/client-config.js';
import { errors } from '../../errors.js';
import type { Lease, LeaseHolder, LeaseOptions, SecretStore, StoredVersion } from '../types.js';
import { decodeBlob, type Tags } from './tags.js';
import {
  holder,
  isVersionOf,
  parseToken,
  PLACEHOLDER_VALUE,
  PLACEHOLDER_VERSION,
  versionTag,
  versionToken,
  type Label,
  type VersionMeta,
} from './versions.js';
import { DescribeCache, type Described } from './cache.js';
import { emptyState, patchRecord, STATE_PREFIX, stateName, withHistory, type LeaseValue, type StateDoc } from './state.js';
import { StateConflict, StateSecrets, type CurrentValue } from './state-secret.js';
import { hasLegacyState, legacyKeys, MANAGED, stateFromTags, summaryTags } from './legacy.js';
import type { HistoryEntry, JournalEntry, KeyMaterial, RotationRecord, StoreRef } from '../../model.js';

export interface SecretsStoreOptions {
  client: SecretsManagerClient;
  /** prepended to every ref.path to make the secret's name */
  prefix?: string;
  /** the material field that names the key when a version carries no keyturn tag (e.g. accessKeyId) */
  keyIdField?: string;
  /** let keyturn write labels on a secret that has Lambda rotation enabled (the two would race) */
  allowLambdaRotation?: boolean;
  /** keep the readable summary tags (rotated-at, rotation id, key id) on the managed secret (default true; one TagResource per rotation) */
  summaryTags?: boolean;
  now?: () => number;
}

/** What this process knows of one secret's state: the document and the version it read or wrote. */
interface Session {
  versionId?: string;
  doc: StateDoc;
  /** the journal as last written (held-back checkpoints are judged against it) */
  durableJournal?: JournalEntry;
  /** the record as last written (the summary tags follow it) */
  durableRecord: RotationRecord;
  /** changes not written yet (only while this process holds the lease) */
  dirty: boolean;
  /** the lease token as last written (a lease taken with deferWrite is not, until the first write) */
  durableLease?: string;
  /** legacy tag keys to remove once the state is written */
  legacy: string[];
}

/** read → change → compare-and-set, at most this many times when other writers win */
const ATTEMPTS = 6;

export class SecretsManagerStore implements SecretStore {
  readonly type = 'aws-secrets-manager';
  private readonly client: SecretsManagerClient;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly cache: DescribeCache;
  private readonly states: StateSecrets;
  private readonly sessions = new Map<string, Session>();
  /** lease tokens this instance took and still holds */
  private readonly tokens = new Set<string>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** the managed secret's AWSCURRENT read with the state when the lease was taken (valid under it, until a label moves) */
  private readonly prefetched = new Map<string, CurrentValue>();
  /** a DescribeSecret read by fresh() before the lease was taken */
  private readonly described = new Map<string, Described>();

  constructor(private readonly options: SecretsStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? '';
    this.now = options.now ?? Date.now;
    this.cache = new DescribeCache(this.now);
    this.states = new StateSecrets(this.client);
  }

  describe(ref: StoreRef): string {
    return `aws-secrets-manager:${this.name(ref)}`;
  }

  current(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.labeled(ref, 'AWSCURRENT');
  }

  pending(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.labeled(ref, 'AWSPENDING');
  }

  previous(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.labeled(ref, 'AWSPREVIOUS');
  }

  async stage(
    ref: StoreRef,
    rotationId: string,
    version: { keyId: string; material: KeyMaterial; meta?: Record<string, string> },
  ): Promise<void> {
    const copy = structuredClone(version);
    let d = await this.read(ref);
    this.refuseLambda(ref, d);
    if (!d.exists) d = await this.create(ref);
    const existing = [...d.stages.keys()].find((id) => isVersionOf(id, rotationId));
    if (existing) {
      const labels = d.stages.get(existing) ?? [];
      const label = labels.includes('AWSPENDING') ? 'AWSPENDING' : labels.includes('AWSCURRENT') ? 'AWSCURRENT' : undefined;
      if (!label) throw rolledBack(ref, rotationId);
      const stored = await this.value(ref, label, existing);
      if (isDeepStrictEqual(stored?.material, copy.material)) return;
      throw errors.stageConflict(ref.key, rotationId);
    }
    const token = versionToken(rotationId, copy.keyId);
    const current = holder(d.stages, 'AWSCURRENT');
    const meta: VersionMeta = {
      r: rotationId,
      k: copy.keyId,
      c: new Date(this.now()).toISOString(),
      m: copy.meta ?? {},
      ...(current ? { p: current } : {}),
    };
    // The version's facts must outlive a crash right after PutSecretValue: when its id names the
    // key (versionToken) and there is no public meta, they can wait for the next state write.
    const canWait = parseToken(token) !== undefined && Object.entries(meta.m).every(([k, v]) => k === 'rotationId' && v === rotationId);
    await this.change(
      ref,
      (doc) => {
        doc.versions = keptVersions(doc.versions, d.stages, token);
        doc.versions[token] = meta;
      },
      { holdBack: canWait },
    );
    let stages: string[] | undefined;
    try {
      const out = await this.write(ref, () =>
        this.client.send(
          new PutSecretValueCommand({
            SecretId: this.name(ref),
            ClientRequestToken: token,
            SecretString: JSON.stringify(copy.material),
            VersionStages: ['AWSPENDING'],
          }),
        ),
      );
      stages = out.VersionStages;
    } catch (error) {
      // the version exists with other content: AWS hides it once it has no label (a rolled-back rotation)
      if (awsErrorName(error) === 'ResourceExistsException') throw rolledBack(ref, rotationId);
      throw error;
    }
    // the same token and content is ignored by AWS: labels stay as they were (none, if it was rolled back)
    if (stages && !stages.includes('AWSPENDING')) throw rolledBack(ref, rotationId);
    this.cache.staged(this.name(ref), token);
  }

  async promote(ref: StoreRef, rotationId: string): Promise<void> {
    const d = await this.read(ref);
    this.refuseLambda(ref, d);
    const id = [...d.stages.keys()].find((v) => isVersionOf(v, rotationId));
    const labels = (id && d.stages.get(id)) || [];
    // AWSPENDING left on the AWSCURRENT version is a finished rotation (AWS's own Lambda rotation
    // leaves it so, and "any later invocation of RotateSecret" only objects to AWSPENDING on
    // another version); the next PutSecretValue(AWSPENDING) moves it. One call saved per rotation.
    if (labels.includes('AWSCURRENT')) return;
    if (!id || !labels.includes('AWSPENDING')) throw errors.notPendingVersion(ref.key, rotationId);
    await this.moveLabel(ref, 'AWSCURRENT', id, holder(d.stages, 'AWSCURRENT'));
  }

  async rollback(ref: StoreRef, rotationId: string): Promise<void> {
    const d = await this.read(ref);
    const id = [...d.stages.keys()].find((v) => isVersionOf(v, rotationId));
    const labels = (id && d.stages.get(id)) || [];
    if (!id || !labels.includes('AWSCURRENT')) {
      if (id && labels.includes('AWSPENDING')) {
        this.refuseLambda(ref, d);
        await this.moveLabel(ref, 'AWSPENDING', undefined, id);
      }
      return;
    }
    this.refuseLambda(ref, d);
    const restored = holder(d.stages, 'AWSPREVIOUS');
    if (!restored)
      throw errors.store(
        `cannot roll back ${ref.key}: ${this.name(ref)} has no AWSPREVIOUS version to restore`,
        'restore the old key by hand with UpdateSecretVersionStage',
      );
    if (labels.includes('AWSPENDING')) await this.moveLabel(ref, 'AWSPENDING', undefined, id);
    // AWS now puts AWSPREVIOUS on the rolled-back version; move it to the one before `restored`.
    await this.moveLabel(ref, 'AWSCURRENT', restored, id);
    const before = (await this.versionMeta(ref, d, restored))?.p;
    await this.moveLabel(ref, 'AWSPREVIOUS', before, id);
  }

  async rotation(ref: StoreRef): Promise<RotationRecord> {
    return structuredClone((await this.state(ref)).doc.record);
  }

  async record(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void> {
    const copy = structuredClone(patch);
    await this.change(ref, (doc) => (doc.record = patchRecord(doc.record, copy)), { holdBack: true });
  }

  async appendHistory(ref: StoreRef, entry: HistoryEntry): Promise<void> {
    const copy = structuredClone(entry);
    await this.change(ref, (doc) => (doc.history = withHistory(doc.history, copy)), { holdBack: true });
  }

  async history(ref?: StoreRef): Promise<HistoryEntry[]> {
    if (ref) {
      const { doc } = await this.state(ref);
      return structuredClone(await this.states.fullHistory(this.name(ref), doc));
    }
    const all: HistoryEntry[] = [];
    const seen = new Set<string>();
    for await (const entry of this.list(`${STATE_PREFIX}${this.prefix}`, undefined)) {
      const secret = (entry.Name ?? '').slice(STATE_PREFIX.length);
      if (!secret.startsWith(this.prefix)) continue;
      const read = await this.states.read(secret).catch(() => undefined);
      // archives and anything else under the prefix that is not a state document
      if (!read || read.doc.secret === undefined) continue;
      seen.add(secret);
      all.push(...(await this.states.fullHistory(secret, read.doc)));
    }
    // secrets a previous keyturn wrote and no run has migrated yet
    for await (const entry of this.list(this.prefix, 'keyturn:history')) {
      if (!entry.Name || seen.has(entry.Name) || entry.Name.startsWith(STATE_PREFIX)) continue;
      all.push(...(decodeBlob<HistoryEntry[]>(tagMap(entry.Tags), 'keyturn:history') ?? []));
    }
    return all.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  }

  async journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    const journal = (await this.state(ref)).doc.journal;
    return journal === undefined ? undefined : structuredClone(journal);
  }

  async writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void> {
    const copy = entry === undefined ? undefined : structuredClone(entry);
    const session = this.heldSession(this.name(ref));
    // Clearing the journal waits for the release (a crash before it resumes at the last
    // checkpoint, whose steps are idempotent); so does a checkpoint the labels already prove.
    const holdBack = copy === undefined || (session !== undefined && this.proven(ref, session, copy));
    await this.change(
      ref,
      (doc) => {
        if (copy === undefined) delete doc.journal;
        else doc.journal = copy;
      },
      { holdBack },
    );
  }

  /**
   * The lease is a field of the state document, taken with the state's compare-and-set: of
   * several takers that read the same version exactly one writes its successor.
   */
  async lease(ref: StoreRef, owner: string, ttlMs: number, options: LeaseOptions = {}): Promise<Lease> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.store(`lease ttl must be positive, got ${ttlMs}`);
    const name = this.name(ref);
    let held: LeaseValue | undefined;
    let seen: LeaseValue | undefined;
    for (let attempt = 0; attempt < ATTEMPTS && !held; attempt += 1) {
      const session = await this.fresh(ref, attempt === 0);
      seen = session.doc.lease;
      if (seen && Date.parse(seen.expiresAt) > this.now() && seen.owner !== owner)
        throw errors.leaseHeld(ref.key, seen.owner, seen.expiresAt);
      const value: LeaseValue = { owner, token: randomBytes(16).toString('hex'), expiresAt: new Date(this.now() + ttlMs).toISOString() };
      if (options.deferWrite) {
        // written by the next state write (the first checkpoint), on the version just read: a
        // run that took the key in between makes that write fail (see change())
        session.doc = { ...session.doc, lease: value };
        session.dirty = true;
        held = value;
        break;
      }
      try {
        await this.exclusive(name, () => this.commit(ref, session, { ...session.doc, lease: value }));
        held = value;
      } catch (error) {
        if (!(error instanceof StateConflict)) throw error;
      }
    }
    if (!held) throw errors.leaseHeld(ref.key, seen?.owner ?? 'another run', seen?.expiresAt ?? new Date(this.now()).toISOString());
    this.tokens.add(held.token);
    this.cache.hold(name, held.token, Date.parse(held.expiresAt));
    const described = this.described.get(name);
    if (described) this.cache.remember(name, described);
    this.described.delete(name);
    let released = false;
    const token = held.token;
    const lease: Lease = {
      owner,
      token,
      expiresAt: held.expiresAt,
      renew: async (ttl: number) => {
        const expiresAt = new Date(this.now() + ttl).toISOString();
        await this.whileOurs(ref, token, (doc) => ({ ...doc, lease: { owner, token, expiresAt } }), true);
        this.cache.hold(name, token, Date.parse(expiresAt));
        lease.expiresAt = expiresAt;
      },
      secure: () => this.secure(ref, token),
      release: async () => {
        if (released) return;
        const session = this.sessions.get(name);
        // taken with deferWrite and never written: there is nothing in AWS to remove
        const unwritten = session?.doc.lease?.token === token && session.durableLease !== token;
        try {
          if (unwritten) {
            this.sessions.delete(name);
            return;
          }
          await this.whileOurs(ref, token, withoutLease, false);
        } finally {
          released = true;
          this.tokens.delete(token);
          this.cache.drop(name, token);
          this.prefetched.delete(name);
        }
      },
    };
    return lease;
  }

  /** Write a lease taken with deferWrite, unless a state write has carried it already. */
  private secure(ref: StoreRef, token: string): Promise<void> {
    const name = this.name(ref);
    return this.exclusive(name, async () => {
      const session = this.sessions.get(name);
      if (session?.durableLease === token) return;
      if (!session || session.doc.lease?.token !== token) throw errors.leaseLost(ref.key);
      try {
        await this.commit(ref, session, session.doc);
      } catch (error) {
        if (!(error instanceof StateConflict)) throw error;
        this.sessions.delete(name);
        throw errors.leaseLost(ref.key);
      }
    });
  }

  async leaseHolder(ref: StoreRef): Promise<LeaseHolder | undefined> {
    const lease = (await this.fresh(ref)).doc.lease;
    return lease ? { owner: lease.owner, expiresAt: lease.expiresAt } : undefined;
  }

  async breakLease(ref: StoreRef, owner: string): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const session = await this.fresh(ref);
      if (session.doc.lease?.owner !== owner) return;
      try {
        await this.exclusive(this.name(ref), () => this.commit(ref, session, withoutLease(session.doc)));
        return;
      } catch (error) {
        if (!(error instanceof StateConflict)) throw error;
      }
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private name(ref: StoreRef): string {
    return `${this.prefix}${ref.path}`;
  }

  /** One state write per secret at a time in this process (the lease's renewal runs beside the engine). */
  private exclusive<T>(name: string, f: () => Promise<T>): Promise<T> {
    const before = this.queues.get(name) ?? Promise.resolve();
    const next = before.then(f, f);
    this.queues.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }

  /** The session of a secret whose lease this instance holds (unexpired), else undefined. */
  private heldSession(name: string): Session | undefined {
    const s = this.sessions.get(name);
    const lease = s?.doc.lease;
    if (!s || !lease || !this.tokens.has(lease.token) || Date.parse(lease.expiresAt) <= this.now()) return undefined;
    return s;
  }

  /** The state: remembered under our lease, read otherwise. */
  private async state(ref: StoreRef): Promise<Session> {
    return this.heldSession(this.name(ref)) ?? this.fresh(ref);
  }

  /**
   * The state as AWS holds it now; a secret a previous keyturn wrote is read from its tags.
   * `withCurrent`: also read the managed secret's AWSCURRENT, in the same call (taking a lease).
   */
  private async fresh(ref: StoreRef, withCurrent = false): Promise<Session> {
    const name = this.name(ref);
    let read;
    if (withCurrent) {
      const both = await this.states.readWithCurrent(name);
      read = both.state;
      if (both.current) this.prefetched.set(name, both.current);
      else this.prefetched.delete(name);
    } else {
      read = await this.states.read(name);
    }
    let session: Session;
    if (read) {
      session = {
        versionId: read.versionId,
        doc: read.doc,
        durableJournal: read.doc.journal,
        durableRecord: read.doc.record,
        durableLease: read.doc.lease?.token,
        dirty: false,
        legacy: [],
      };
    } else {
      const d = await this.read(ref, false);
      // a lease about to be taken remembers it (the cache keeps nothing before the lease)
      this.described.set(name, d);
      const legacy = d.exists && hasLegacyState(d.tags);
      const doc = legacy ? stateFromTags(name, d.tags) : emptyState(name);
      session = {
        doc,
        durableJournal: doc.journal,
        durableRecord: legacy ? {} : doc.record,
        dirty: false,
        legacy: legacy ? legacyKeys(d.tags) : [],
      };
    }
    this.sessions.set(name, session);
    return session;
  }

  /**
   * Apply `f` to the state and write it (compare-and-set, again from a fresh read when another
   * writer won). Under our lease a change marked holdBack only updates the remembered state.
   */
  private async change(ref: StoreRef, f: (doc: StateDoc) => void, options: { holdBack: boolean }): Promise<void> {
    const name = this.name(ref);
    await this.exclusive(name, async () => {
      const held = this.heldSession(name);
      if (held) {
        const doc = structuredClone(held.doc);
        f(doc);
        if (options.holdBack) {
          held.doc = doc;
          held.dirty = true;
          return;
        }
        try {
          await this.commit(ref, held, doc);
          return;
        } catch (error) {
          if (!(error instanceof StateConflict)) throw error;
          // someone wrote our state under our lease: it was lost (expired, broken) or taken over
          this.sessions.delete(name);
          throw errors.leaseLost(ref.key);
        }
      }
      for (let attempt = 0; ; attempt += 1) {
        const session = await this.fresh(ref);
        const doc = structuredClone(session.doc);
        f(doc);
        try {
          await this.commit(ref, session, doc);
          return;
        } catch (error) {
          if (!(error instanceof StateConflict) || attempt + 1 >= ATTEMPTS) throw error;
        }
      }
    });
  }

  /** A write that needs our lease token to still be the state's: renew and release. */
  private async whileOurs(ref: StoreRef, token: string, next: (doc: StateDoc) => StateDoc, mustHold: boolean): Promise<void> {
    const name = this.name(ref);
    await this.exclusive(name, async () => {
      for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
        let session = this.sessions.get(name);
        if (!session || session.doc.lease?.token !== token || attempt > 0) session = await this.fresh(ref);
        if (session.doc.lease?.token !== token) {
          if (!mustHold) return;
          const now = session.doc.lease;
          throw errors.leaseHeld(ref.key, now?.owner ?? 'nobody', now?.expiresAt ?? new Date(this.now()).toISOString());
        }
        try {
          await this.commit(ref, session, next(structuredClone(session.doc)));
          return;
        } catch (error) {
          if (!(error instanceof StateConflict)) throw error;
        }
      }
      if (mustHold) throw errors.leaseLost(ref.key);
    });
  }

  /** Write `doc` over the session's version; then the legacy tags go and the summary is refreshed. */
  private async commit(ref: StoreRef, session: Session, doc: StateDoc): Promise<void> {
    const name = this.name(ref);
    // the summary tags go beside the state write (a failed state write leaves them one rotation ahead: harmless)
    const [versionId] = await Promise.all([
      this.states.write(name, session.versionId, doc),
      this.options.summaryTags !== false ? this.summarize(ref, session.durableRecord, doc.record) : undefined,
    ]);
    session.versionId = versionId;
    session.doc = doc;
    session.durableLease = doc.lease?.token;
    session.durableJournal = doc.journal;
    session.durableRecord = doc.record;
    session.dirty = false;
    this.sessions.set(name, session);
    if (session.legacy.length) {
      await this.untag(ref, session.legacy);
      session.legacy = [];
    }
  }

  /** The readable tags follow the record: one TagResource when they changed, none on a secret that does not exist. */
  private async summarize(ref: StoreRef, before: RotationRecord, after: RotationRecord): Promise<void> {
    const pairs = summaryTags(after);
    if (isDeepStrictEqual(summaryTags(before), pairs)) return;
    const d = await this.read(ref, false);
    const changed = pairs.filter((p) => d.tags.get(p.Key) !== p.Value);
    if (!d.exists || changed.length === 0) return;
    try {
      await this.write(ref, () => this.client.send(new TagResourceCommand({ SecretId: this.name(ref), Tags: changed })));
      this.cache.tagged(this.name(ref), changed);
    } catch (error) {
      // the summary is for people; the state secret holds the truth
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  /** A journal write that only records what the labels already prove: restart is next, and the new version is AWSCURRENT. */
  private proven(ref: StoreRef, session: Session, entry: JournalEntry): boolean {
    const before = session.durableJournal;
    if (!before || before.rotationId !== entry.rotationId || before.step !== 'create' || entry.step !== 'restart') return false;
    if (before.status !== entry.status || before.trigger !== entry.trigger || before.oldKeyId !== entry.oldKeyId) return false;
    if (!isDeepStrictEqual(before.notes, entry.notes)) return false;
    const d = this.cache.get(this.name(ref), true);
    const id = d && [...d.stages.keys()].find((v) => isVersionOf(v, entry.rotationId));
    return Boolean(id && d!.stages.get(id)?.includes('AWSCURRENT') && parseToken(id)?.keyId === entry.newKeyId);
  }

  /** DescribeSecret, or what this process remembers of it under its lease (`stages`: whether the labels are needed). */
  private async read(ref: StoreRef, stages = true): Promise<Described> {
    const name = this.name(ref);
    const known = this.cache.get(name, stages);
    if (known) return known;
    let d: Described;
    try {
      const out = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
      const versions = new Map(Object.entries(out.VersionIdsToStages ?? {}).map(([id, labels]) => [id, labels ?? []]));
      d = { exists: true, stages: versions, tags: tagMap(out.Tags), rotationEnabled: out.RotationEnabled === true };
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      d = { exists: false, stages: new Map(), tags: new Map(), rotationEnabled: false };
    }
    this.cache.remember(name, d);
    return d;
  }

  /** A write whose outcome is unknown when it fails: the remembered DescribeSecret is dropped. */
  private async write<T>(ref: StoreRef, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      this.cache.forget(this.name(ref));
      throw error;
    }
  }

  /** Create the secret with the placeholder as AWSCURRENT (see versions.ts); another creator winning the race is fine. */
  private async create(ref: StoreRef): Promise<Described> {
    try {
      await this.write(ref, () =>
        this.client.send(
          new CreateSecretCommand({
            Name: this.name(ref),
            ClientRequestToken: PLACEHOLDER_VERSION,
            SecretString: PLACEHOLDER_VALUE,
            Tags: [MANAGED],
          }),
        ),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceExistsException') throw error;
      this.cache.forget(this.name(ref));
      return this.read(ref);
    }
    const d: Described = {
      exists: true,
      stages: new Map([[PLACEHOLDER_VERSION, ['AWSCURRENT']]]),
      tags: new Map([[MANAGED.Key, MANAGED.Value]]),
      rotationEnabled: false,
    };
    this.cache.remember(this.name(ref), d);
    return d;
  }

  private refuseLambda(ref: StoreRef, d: Described): void {
    if (d.rotationEnabled && !this.options.allowLambdaRotation) {
      throw errors.store(
        `${this.name(ref)} has Lambda rotation enabled; keyturn will not move its labels`,
        'a Lambda and keyturn rotating the same secret would race: ' +
          'disable the Lambda rotation, or set allowLambdaRotation: true on the store',
      );
    }
  }

  /** What keyturn knows of a version: the state's facts, else a legacy tag, else what its id names. */
  private async versionMeta(ref: StoreRef, d: Described, id: string): Promise<VersionMeta | undefined> {
    const fromState = (await this.state(ref)).doc.versions[id];
    if (fromState) return fromState;
    const fromTag = decodeBlob<VersionMeta>(d.tags, versionTag(id));
    if (fromTag) return fromTag;
    const named = parseToken(id);
    // the engine stages every version with meta { rotationId }: all else is written before the version
    return named ? { r: named.rotationId, k: named.keyId, c: '', m: { rotationId: named.rotationId } } : undefined;
  }

  private async labeled(ref: StoreRef, label: Label): Promise<StoredVersion | undefined> {
    const d = await this.read(ref);
    const id = holder(d.stages, label);
    if (!id || id === PLACEHOLDER_VERSION) return undefined;
    // AWSPENDING on the CURRENT version is a finished rotation (AWS's Lambda leaves it so)
    if (label === 'AWSPENDING' && d.stages.get(id)?.includes('AWSCURRENT')) return undefined;
    const [read, meta] = await Promise.all([this.value(ref, label, id), this.versionMeta(ref, d, id)]);
    if (!read) return undefined;
    const keyIdField = this.options.keyIdField;
    return {
      rotationId: meta?.r ?? id,
      keyId: meta?.k ?? (keyIdField ? (read.material[keyIdField] ?? '') : ''),
      material: read.material,
      createdAt: meta?.c || read.createdAt,
      meta: meta?.m ?? {},
    };
  }

  /** The material under `label`, or undefined when the label moved to another version since the describe. */
  private async value(ref: StoreRef, label: Label, expected: string): Promise<{ material: KeyMaterial; createdAt: string } | undefined> {
    const known = this.prefetched.get(this.name(ref));
    if (label === 'AWSCURRENT' && known?.versionId === expected && this.heldSession(this.name(ref))) {
      return { material: parseMaterial(known.text, this.name(ref)), createdAt: known.createdAt };
    }
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.name(ref), VersionStage: label }));
    if (out.VersionId !== expected) return undefined;
    return {
      material: parseMaterial(out.SecretString, this.name(ref)),
      createdAt: (out.CreatedDate ?? new Date(0)).toISOString(),
    };
  }

  private async moveLabel(ref: StoreRef, label: Label, to: string | undefined, from: string | undefined): Promise<void> {
    if (to === undefined && from === undefined) return;
    const input: UpdateSecretVersionStageCommandInput = {
      SecretId: this.name(ref),
      VersionStage: label,
      MoveToVersionId: to,
      RemoveFromVersionId: from,
    };
    await this.write(ref, () => this.client.send(new UpdateSecretVersionStageCommand(input)));
    this.cache.labelsMoved(this.name(ref), label, to, from);
    this.prefetched.delete(this.name(ref));
  }

  /** UntagResource of the keys the secret holds. */
  private async untag(ref: StoreRef, keys: string[]): Promise<void> {
    const present = this.cache.present(this.name(ref), keys);
    if (present.length === 0) return;
    try {
      await this.write(ref, () => this.client.send(new UntagResourceCommand({ SecretId: this.name(ref), TagKeys: present })));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
    this.cache.untagged(this.name(ref), present);
  }

  private async *list(namePrefix: string, tagKey: string | undefined): AsyncGenerator<SecretListEntry> {
    let NextToken: string | undefined;
    do {
      const filters = [
        ...(tagKey ? [{ Key: 'tag-key' as const, Values: [tagKey] }] : []),
        ...(namePrefix ? [{ Key: 'name' as const, Values: [namePrefix] }] : []),
      ];
      const out = await this.client.send(new ListSecretsCommand({ Filters: filters, NextToken, MaxResults: 100 }));
      for (const entry of out.SecretList ?? []) if ((entry.Name ?? '').startsWith(namePrefix)) yield entry;
      NextToken = out.NextToken;
    } while (NextToken);
  }
}

/** The facts of versions still labelled (and PREVIOUS's rollback target), plus the one being staged: the state stays small. */
function keptVersions(versions: Record<string, VersionMeta>, stages: Map<string, string[]>, staging: string): Record<string, VersionMeta> {
  const keep = new Set<string>([staging]);
  for (const [id, labels] of stages) {
    if (labels.length === 0) continue;
    keep.add(id);
    const p = versions[id]?.p;
    if (p) keep.add(p);
  }
  return Object.fromEntries(Object.entries(versions).filter(([id]) => keep.has(id)));
}

function withoutLease(doc: StateDoc): StateDoc {
  const copy = { ...doc };
  delete copy.lease;
  return copy;
}

function rolledBack(ref: StoreRef, rotationId: string) {
  return errors.store(`rotation ${rotationId} of ${ref.key} was rolled back; it cannot be staged again`, 'start a new rotation');
}

function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Tags {
  return new Map((tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? ''] as const])));
}

function parseMaterial(text: string | undefined, name: string): KeyMaterial {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    // never echo the value: it is a secret
    throw errors.store(
      `${name} does not hold a JSON object of strings`,
      'keyturn stores key material as JSON, e.g. {"accessKeyId": …, "secretAccessKey": …}',
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw errors.store(`${name} does not hold a JSON object of strings`);
  }
  return parsed as KeyMaterial;
}

export { stateName };
