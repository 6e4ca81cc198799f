/**
 * The `aws-secrets-manager` store: AWS's own staging protocol on real labels. stage is
 * PutSecretValue(ClientRequestToken, [AWSPENDING]); promote moves AWSCURRENT (AWS puts
 * AWSPREVIOUS on the old version) and then removes AWSPENDING; rollback moves AWSCURRENT back.
 * Every read of material names its VersionStage. Rotation metadata, the journal and history
 * live in the secret's tags (see tags.ts and docs/aws.md); the lease is a lock secret (lock.ts).
 * While this process holds a key's lease, DescribeSecret results are remembered (cache.ts).
 */
import { isDeepStrictEqual } from 'node:util';
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
import type { Lease, LeaseHolder, SecretStore, StoredVersion } from '../types.js';
import { recordFromTags, recordPatchTags } from './record-tags.js';
import { blobKeys, decodeBlob, encodeBlob, type TagPair, type Tags } from './tags.js';
import { holder, PLACEHOLDER_VALUE, PLACEHOLDER_VERSION, tokenFor, versionTag, type Label, type VersionMeta } from './versions.js';
import { fitHistory } from './history.js';
import { DescribeCache, type Described } from './cache.js';
import { LockSecrets, type LockValue } from './lock.js';
import type { HistoryEntry, JournalEntry, KeyMaterial, RotationRecord, StoreRef } from '../../model.js';

export interface SecretsStoreOptions {
  client: SecretsManagerClient;
  /** prepended to every ref.path to make the secret's name */
  prefix?: string;
  /** the material field that names the key when a version carries no keyturn tag (e.g. accessKeyId) */
  keyIdField?: string;
  /** let keyturn write labels on a secret that has Lambda rotation enabled (the two would race) */
  allowLambdaRotation?: boolean;
  now?: () => number;
}

const JOURNAL = 'keyturn:journal';
const HISTORY = 'keyturn:history';
const MANAGED = { Key: 'keyturn:managed', Value: 'true' };

export class SecretsManagerStore implements SecretStore {
  readonly type = 'aws-secrets-manager';
  private readonly client: SecretsManagerClient;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly cache: DescribeCache;
  private readonly locks: LockSecrets;

  constructor(private readonly options: SecretsStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? '';
    this.now = options.now ?? Date.now;
    this.cache = new DescribeCache(this.now);
    this.locks = new LockSecrets(this.client, this.now);
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
    const token = tokenFor(rotationId);
    const labels = d.stages.get(token);
    if (labels) {
      const label = labels.includes('AWSPENDING') ? 'AWSPENDING' : labels.includes('AWSCURRENT') ? 'AWSCURRENT' : undefined;
      if (!label)
        throw errors.store(`rotation ${rotationId} of ${ref.key} was rolled back; it cannot be staged again`, 'start a new rotation');
      const stored = await this.value(ref, label, token);
      if (isDeepStrictEqual(stored, copy.material)) return;
      throw errors.stageConflict(ref.key, rotationId);
    }
    const current = holder(d.stages, 'AWSCURRENT');
    const meta: VersionMeta = {
      r: rotationId,
      k: copy.keyId,
      c: new Date(this.now()).toISOString(),
      m: copy.meta ?? {},
      ...(current ? { p: current } : {}),
    };
    // The tag goes first: a crash before PutSecretValue leaves a harmless tag, never a version without its key id.
    await this.tag(ref, encodeBlob(versionTag(token), meta));
    await this.untagStaleVersions(ref, d, token);
    // AWS moves AWSPENDING off an abandoned version by itself; that unfinished rotation was
    // already resumed or rolled back by the engine (it holds the journal) before a new stage.
    await this.write(ref, () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: this.name(ref),
          ClientRequestToken: token,
          SecretString: JSON.stringify(copy.material),
          VersionStages: ['AWSPENDING'],
        }),
      ),
    );
    this.cache.staged(this.name(ref), token);
  }

  async promote(ref: StoreRef, rotationId: string): Promise<void> {
    const d = await this.read(ref);
    this.refuseLambda(ref, d);
    const token = tokenFor(rotationId);
    const labels = d.stages.get(token) ?? [];
    if (labels.includes('AWSCURRENT')) {
      // a promote interrupted between its two calls: finish it
      if (labels.includes('AWSPENDING')) await this.moveLabel(ref, 'AWSPENDING', undefined, token);
      return;
    }
    if (!labels.includes('AWSPENDING')) {
      throw errors.notPendingVersion(ref.key, rotationId);
    }
    await this.moveLabel(ref, 'AWSCURRENT', token, holder(d.stages, 'AWSCURRENT'));
    await this.moveLabel(ref, 'AWSPENDING', undefined, token);
  }

  async rollback(ref: StoreRef, rotationId: string): Promise<void> {
    const d = await this.read(ref);
    const token = tokenFor(rotationId);
    const labels = d.stages.get(token) ?? [];
    if (!labels.includes('AWSCURRENT')) {
      if (labels.includes('AWSPENDING')) {
        this.refuseLambda(ref, d);
        await this.moveLabel(ref, 'AWSPENDING', undefined, token);
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
    if (labels.includes('AWSPENDING')) await this.moveLabel(ref, 'AWSPENDING', undefined, token);
    // AWS now puts AWSPREVIOUS on the rolled-back version; move it to the one before `restored`.
    await this.moveLabel(ref, 'AWSCURRENT', restored, token);
    const before = decodeBlob<VersionMeta>(d.tags, versionTag(restored))?.p;
    await this.moveLabel(ref, 'AWSPREVIOUS', before, token);
  }

  async rotation(ref: StoreRef): Promise<RotationRecord> {
    return recordFromTags((await this.read(ref, false)).tags);
  }

  async record(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void> {
    const copy = structuredClone(patch);
    const { set, remove } = recordPatchTags(copy);
    if (set.length) await this.tag(ref, set);
    if (remove.length) await this.untag(ref, remove);
  }

  async appendHistory(ref: StoreRef, entry: HistoryEntry): Promise<void> {
    const copy = structuredClone(entry);
    const d = await this.read(ref, false);
    const history = decodeBlob<HistoryEntry[]>(d.tags, HISTORY) ?? [];
    // one entry per (rotation id, outcome): a resumed run's entry replaces the first one
    const kept = history.filter((h) => !(h.rotationId === copy.rotationId && h.outcome === copy.outcome));
    await this.tag(ref, fitHistory(HISTORY, [...kept, copy]));
  }

  async history(ref?: StoreRef): Promise<HistoryEntry[]> {
    if (ref) return decodeBlob<HistoryEntry[]>((await this.read(ref, false)).tags, HISTORY) ?? [];
    const all: HistoryEntry[] = [];
    for await (const entry of this.listManaged()) {
      all.push(...(decodeBlob<HistoryEntry[]>(tagMap(entry.Tags), HISTORY) ?? []));
    }
    return all.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  }

  async journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    return decodeBlob<JournalEntry>((await this.read(ref, false)).tags, JOURNAL);
  }

  async writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void> {
    const copy = entry === undefined ? undefined : structuredClone(entry);
    if (copy === undefined) await this.untag(ref, blobKeys(JOURNAL));
    else await this.tag(ref, encodeBlob(JOURNAL, copy, { compress: true }));
  }

  /**
   * The lease is a create-only lock secret (lock.ts): CreateSecret is the compare-and-set.
   * Holding it is also what lets this process remember the secret's DescribeSecret.
   */
  async lease(ref: StoreRef, owner: string, ttlMs: number): Promise<Lease> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.store(`lease ttl must be positive, got ${ttlMs}`);
    const name = this.name(ref);
    const lockName = this.locks.lockName(name);
    let held: LockValue = await this.locks.acquire(lockName, ref.key, owner, ttlMs);
    this.cache.hold(name, held.token, Date.parse(held.expiresAt));
    const lease: Lease = {
      owner,
      token: held.token,
      expiresAt: held.expiresAt,
      renew: async (ttl: number) => {
        try {
          held = await this.locks.renew(lockName, ref.key, held, ttl);
        } catch (error) {
          this.cache.drop(name, held.token);
          throw error;
        }
        this.cache.hold(name, held.token, Date.parse(held.expiresAt));
        lease.expiresAt = held.expiresAt;
      },
      release: async () => {
        this.cache.drop(name, held.token);
        await this.locks.removeIf(lockName, (v) => v.token === held.token);
      },
    };
    return lease;
  }

  async leaseHolder(ref: StoreRef): Promise<LeaseHolder | undefined> {
    const lock = await this.locks.read(this.locks.lockName(this.name(ref)));
    return lock ? { owner: lock.owner, expiresAt: lock.expiresAt } : undefined;
  }

  async breakLease(ref: StoreRef, owner: string): Promise<void> {
    await this.locks.removeIf(this.locks.lockName(this.name(ref)), (v) => v.owner === owner);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private name(ref: StoreRef): string {
    return `${this.prefix}${ref.path}`;
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
  private async write(ref: StoreRef, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
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

  private async labeled(ref: StoreRef, label: Label): Promise<StoredVersion | undefined> {
    const d = await this.read(ref);
    const id = holder(d.stages, label);
    if (!id || id === PLACEHOLDER_VERSION) return undefined;
    // AWSPENDING on the CURRENT version is a finished rotation (AWS's Lambda leaves it so)
    if (label === 'AWSPENDING' && d.stages.get(id)?.includes('AWSCURRENT')) return undefined;
    const material = await this.value(ref, label, id);
    if (!material) return undefined;
    const meta = decodeBlob<VersionMeta>(d.tags, versionTag(id));
    const keyIdField = this.options.keyIdField;
    return {
      rotationId: meta?.r ?? id,
      keyId: meta?.k ?? (keyIdField ? (material[keyIdField] ?? '') : ''),
      material,
      createdAt: meta?.c ?? new Date(0).toISOString(),
      meta: meta?.m ?? {},
    };
  }

  /** The material under `label`, or undefined when the label moved to another version since the describe. */
  private async value(ref: StoreRef, label: Label, expected: string): Promise<KeyMaterial | undefined> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.name(ref), VersionStage: label }));
    if (out.VersionId !== expected) return undefined;
    return parseMaterial(out.SecretString, this.name(ref));
  }

  private async moveLabel(ref: StoreRef, label: Label, to: string | undefined, from: string | undefined): Promise<void> {
    if (to === undefined && from === undefined) return;
    const input: UpdateSecretVersionStageCommandInput = {
      SecretId: this.name(ref),
      VersionStage: label,
      MoveToVersionId: to,
      RemoveFromVersionId: from,
    };
    // AWS also moves AWSPREVIOUS when AWSCURRENT moves: the labels are read again rather than modelled.
    this.cache.labelsMoved(this.name(ref));
    await this.write(ref, () => this.client.send(new UpdateSecretVersionStageCommand(input)));
  }

  private async tag(ref: StoreRef, tags: TagPair[]): Promise<void> {
    const send = () => this.write(ref, () => this.client.send(new TagResourceCommand({ SecretId: this.name(ref), Tags: tags })));
    try {
      await send();
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      await this.create(ref);
      await send();
    }
    this.cache.tagged(this.name(ref), tags);
  }

  /** UntagResource of the keys the secret holds (all of them when we do not know its tags). */
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

  /** Drop the tags of versions that no label (or PREVIOUS's rollback target) still needs: a secret holds at most 50 tags. */
  private async untagStaleVersions(ref: StoreRef, d: Described, staging: string): Promise<void> {
    const keep = new Set<string>([staging]);
    for (const [id, labels] of d.stages) {
      if (labels.length === 0) continue;
      keep.add(id);
      const p = decodeBlob<VersionMeta>(d.tags, versionTag(id))?.p;
      if (p) keep.add(p);
    }
    const stale = [...d.tags.keys()].filter((k) => k.startsWith('keyturn:v:') && !keep.has(k.slice('keyturn:v:'.length).split(':')[0]!));
    if (stale.length) await this.untag(ref, stale);
  }

  private async *listManaged(): AsyncGenerator<SecretListEntry> {
    let NextToken: string | undefined;
    do {
      const filters = [
        { Key: 'tag-key' as const, Values: [HISTORY] },
        ...(this.prefix ? [{ Key: 'name' as const, Values: [this.prefix] }] : []),
      ];
      const out = await this.client.send(new ListSecretsCommand({ Filters: filters, NextToken, MaxResults: 100 }));
      for (const entry of out.SecretList ?? []) if ((entry.Name ?? '').startsWith(this.prefix)) yield entry;
      NextToken = out.NextToken;
    } while (NextToken);
  }
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
