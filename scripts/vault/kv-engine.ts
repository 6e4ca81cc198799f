/**
 * One KV version 2 mount, in memory: versions with check-and-set, soft delete, undelete,
 * destroy, custom_metadata with Vault's limits, and max_versions pruning. Answers are the
 * `data` objects Vault returns; failures are VaultHttpError with Vault's own messages.
 */
import { badRequest, notFound, VaultHttpError } from './http-error.js';

/** Vault's default when neither the mount nor the key sets max_versions. */
export const DEFAULT_MAX_VERSIONS = 10;
const MAX_CUSTOM_KEYS = 64;
const MAX_CUSTOM_KEY_LENGTH = 128;
const MAX_CUSTOM_VALUE_LENGTH = 512;

interface Version {
  data: Record<string, unknown>;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface Key {
  versions: Map<number, Version>;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  delete_version_after: string;
  custom_metadata: Record<string, string> | null;
  created_time: string;
  updated_time: string;
}

export class KvEngine {
  private readonly keys = new Map<string, Key>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  write(path: string, body: Record<string, unknown>): Record<string, unknown> {
    const data = body.data;
    if (data === undefined || data === null) throw badRequest('no data provided');
    if (typeof data !== 'object' || Array.isArray(data)) throw badRequest('data must be an object');
    const options = (body.options ?? {}) as Record<string, unknown>;
    const existing = this.keys.get(path);
    const cas = options.cas;
    if (cas === undefined) {
      if (existing?.cas_required) throw badRequest('check-and-set parameter required for this call');
    } else if (Number(cas) !== (existing?.current_version ?? 0)) {
      throw badRequest('check-and-set parameter did not match the current version');
    }
    const key = existing ?? this.create(path);
    const at = this.stamp();
    key.current_version += 1;
    key.versions.set(key.current_version, {
      data: structuredClone(data as Record<string, unknown>),
      created_time: at,
      deletion_time: '',
      destroyed: false,
    });
    key.updated_time = at;
    if (key.oldest_version === 0) key.oldest_version = key.current_version;
    this.prune(key);
    return { created_time: at, custom_metadata: key.custom_metadata, deletion_time: '', destroyed: false, version: key.current_version };
  }

  /** The version's data and metadata; a soft-deleted or destroyed version answers 404 with a success-style body. */
  read(path: string, version?: number): Record<string, unknown> {
    const key = this.keys.get(path);
    if (!key || key.current_version === 0) throw notFound();
    const n = version === undefined || version === 0 ? key.current_version : version;
    const found = key.versions.get(n);
    if (!found) throw notFound();
    const metadata = {
      created_time: found.created_time,
      custom_metadata: key.custom_metadata,
      deletion_time: found.deletion_time,
      destroyed: found.destroyed,
      version: n,
    };
    if (found.deletion_time !== '' || found.destroyed) {
      throw new VaultHttpError(404, [], { data: { data: null, metadata } });
    }
    return { data: structuredClone(found.data), metadata };
  }

  readMetadata(path: string): Record<string, unknown> {
    const key = this.keys.get(path);
    if (!key) throw notFound();
    const versions: Record<string, unknown> = {};
    for (const [n, v] of key.versions)
      versions[String(n)] = { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed };
    return {
      cas_required: key.cas_required,
      created_time: key.created_time,
      current_version: key.current_version,
      custom_metadata: key.custom_metadata,
      delete_version_after: key.delete_version_after,
      max_versions: key.max_versions,
      oldest_version: key.oldest_version,
      updated_time: key.updated_time,
      versions,
    };
  }

  /** POST metadata: only the fields present change (as Vault does); the key is created if missing. */
  writeMetadata(path: string, body: Record<string, unknown>): void {
    if (body.custom_metadata !== undefined) validateCustomMetadata(body.custom_metadata);
    if (body.max_versions !== undefined && (!Number.isInteger(body.max_versions) || (body.max_versions as number) < 0)) {
      throw badRequest('max_versions must be a non-negative integer');
    }
    const key = this.keys.get(path) ?? this.create(path);
    if (body.custom_metadata !== undefined) key.custom_metadata = structuredClone(body.custom_metadata as Record<string, string>);
    if (body.max_versions !== undefined) key.max_versions = body.max_versions as number;
    if (body.cas_required !== undefined) key.cas_required = Boolean(body.cas_required);
    if (typeof body.delete_version_after === 'string') key.delete_version_after = body.delete_version_after;
    key.updated_time = this.stamp();
    this.prune(key);
  }

  /** DELETE metadata: every version and the metadata, permanently. A missing key is fine. */
  deleteMetadata(path: string): void {
    this.keys.delete(path);
  }

  /** DELETE data: soft-delete the latest version. */
  deleteLatest(path: string): void {
    const key = this.keys.get(path);
    const latest = key?.versions.get(key.current_version);
    if (latest && latest.deletion_time === '') latest.deletion_time = this.stamp();
  }

  deleteVersions(path: string, versions: unknown): void {
    for (const v of this.pick(path, versions)) if (!v.destroyed && v.deletion_time === '') v.deletion_time = this.stamp();
  }

  undeleteVersions(path: string, versions: unknown): void {
    for (const v of this.pick(path, versions)) if (!v.destroyed) v.deletion_time = '';
  }

  destroyVersions(path: string, versions: unknown): void {
    for (const v of this.pick(path, versions)) {
      v.destroyed = true;
      v.data = {};
    }
  }

  /** Keys directly under `prefix` (a folder ends with "/"); nothing there answers 404. */
  list(prefix: string): { keys: string[] } {
    const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const found = new Set<string>();
    for (const path of this.keys.keys()) {
      if (!path.startsWith(base)) continue;
      const rest = path.slice(base.length);
      const slash = rest.indexOf('/');
      found.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    if (found.size === 0) throw notFound();
    return { keys: [...found].sort() };
  }

  private pick(path: string, versions: unknown): Version[] {
    if (!Array.isArray(versions) || versions.length === 0) throw badRequest('no version number provided');
    const key = this.keys.get(path);
    if (!key) return [];
    return versions.map((n) => key.versions.get(Number(n))).filter((v): v is Version => v !== undefined);
  }

  private create(path: string): Key {
    const at = this.stamp();
    const key: Key = {
      versions: new Map(),
      current_version: 0,
      oldest_version: 0,
      max_versions: 0,
      cas_required: false,
      delete_version_after: '0s',
      custom_metadata: null,
      created_time: at,
      updated_time: at,
    };
    this.keys.set(path, key);
    return key;
  }

  /** Versions older than the newest max_versions are removed for good, as Vault does on write. */
  private prune(key: Key): void {
    const keep = key.max_versions > 0 ? key.max_versions : DEFAULT_MAX_VERSIONS;
    const floor = key.current_version - keep + 1;
    for (const n of [...key.versions.keys()]) if (n < floor) key.versions.delete(n);
    if (key.versions.size > 0) key.oldest_version = Math.min(...key.versions.keys());
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}

/** Vault's limits on custom_metadata: at most 64 keys, key length ≤ 128, value length ≤ 512, strings only. */
function validateCustomMetadata(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('custom_metadata must be a map of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  const problems: string[] = [];
  if (entries.length > MAX_CUSTOM_KEYS) problems.push(`payload must contain at most ${MAX_CUSTOM_KEYS} keys, provided ${entries.length}`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') problems.push(`value for key "${k}" must be a string`);
    else if (v.length > MAX_CUSTOM_VALUE_LENGTH)
      problems.push(`length of value for key "${k}" is ${v.length} but max is ${MAX_CUSTOM_VALUE_LENGTH}`);
    if (k.length > MAX_CUSTOM_KEY_LENGTH) problems.push(`length of key "${k}" is ${k.length} but max is ${MAX_CUSTOM_KEY_LENGTH}`);
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `\t* ${p}`).join('\n');
    throw badRequest(`${problems.length} error${problems.length > 1 ? 's' : ''} occurred:\n${list}\n\n`);
  }
}
