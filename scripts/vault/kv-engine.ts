/**
 * One KV version 2 mount, in memory, following hashicorp/vault-plugin-secrets-kv: versions with
 * check-and-set (path_data.go validateCheckAndSetOption), soft delete, undelete, destroy
 * (path_delete.go, path_destroy.go), metadata with custom_metadata validation
 * (path_metadata.go validateCustomMetadata) and the max_versions sliding window applied on the
 * next data write (path_data.go KeyMetadata.AddVersion). Answers are the `data` objects Vault
 * returns; failures are VaultHttpError with Vault's own messages.
 */
import { badRequest, multiError, notFound, VaultHttpError } from './http-error.js';

/** defaultMaxVersions in backend.go: used when neither the mount config nor the key sets max_versions. */
export const DEFAULT_MAX_VERSIONS = 10;
const MAX_CUSTOM_KEYS = 64;
const MAX_CUSTOM_KEY_LENGTH = 128;
const MAX_CUSTOM_VALUE_LENGTH = 512;
const CUSTOM_PREFIX = 'custom_metadata validation failed';

interface Version {
  data: Record<string, unknown> | null;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface Key {
  versions: Record<string, Version>;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  delete_version_after: string;
  custom_metadata: Record<string, string> | null;
  created_time: string;
  updated_time: string;
}

/** What --data saves of a mount: its keys, as they are. */
export type KvSnapshot = Record<string, Key>;

export class KvEngine {
  private readonly keys = new Map<string, Key>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  snapshot(): KvSnapshot {
    return Object.fromEntries(this.keys);
  }

  restore(snapshot: KvSnapshot): void {
    this.keys.clear();
    for (const [path, key] of Object.entries(snapshot)) this.keys.set(path, key);
  }

  /** The data existence check (path_data.go dataExistenceCheck): decides create vs update for the ACL. */
  exists(path: string): boolean {
    return this.keys.has(path);
  }

  write(path: string, body: Record<string, unknown>): Record<string, unknown> {
    const data = body.data;
    if (data === undefined) throw badRequest('no data provided');
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw fieldError('data', data, 'map[string]interface {}');
    const existing = this.keys.get(path);
    validateCas(body.options, existing);
    const key = existing ?? this.blank();
    const at = this.stamp();
    const n = key.current_version + 1;
    key.versions[String(n)] = {
      data: structuredClone(data as Record<string, unknown>),
      created_time: at,
      deletion_time: '',
      destroyed: false,
    };
    key.current_version = n;
    key.updated_time = at;
    if (!existing) {
      key.created_time = at;
      this.keys.set(path, key);
    }
    addVersionWindow(key);
    return { created_time: at, custom_metadata: key.custom_metadata, deletion_time: '', destroyed: false, version: n };
  }

  /** The version's data and metadata; a soft-deleted or destroyed version answers 404 with a success-style body. */
  read(path: string, version?: number): Record<string, unknown> {
    const key = this.keys.get(path);
    if (!key) throw notFound();
    const n = version !== undefined && version > 0 ? version : key.current_version;
    const found = key.versions[String(n)];
    if (!found) throw notFound();
    const metadata = {
      created_time: found.created_time,
      custom_metadata: key.custom_metadata,
      deletion_time: found.deletion_time,
      destroyed: found.destroyed,
      version: n,
    };
    if (found.deletion_time !== '' || found.destroyed) throw new VaultHttpError(404, [], { data: { data: null, metadata } });
    return { data: structuredClone(found.data), metadata };
  }

  readMetadata(path: string): Record<string, unknown> {
    const key = this.keys.get(path);
    if (!key) throw notFound();
    const versions: Record<string, unknown> = {};
    for (const [n, v] of Object.entries(key.versions))
      versions[n] = { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed };
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

  /**
   * POST metadata (path_metadata.go pathMetadataWrite): a body with none of the four fields is a
   * no-op that creates nothing; otherwise only the fields present change and the key is created
   * if missing. Lowering max_versions prunes nothing here: the next data write does.
   */
  writeMetadata(path: string, body: Record<string, unknown>): void {
    const present = (name: string) => body[name] !== undefined;
    if (!['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'].some(present)) return;
    const custom = present('custom_metadata') ? parseCustomMetadata(body.custom_metadata) : undefined;
    const maxVersions = present('max_versions') ? intField('max_versions', body.max_versions) : undefined;
    const casRequired = present('cas_required') ? boolField('cas_required', body.cas_required) : undefined;
    const key = this.keys.get(path) ?? this.blank();
    if (!this.keys.has(path)) {
      const at = this.stamp();
      key.created_time = at;
      key.updated_time = at;
      this.keys.set(path, key);
    }
    if (maxVersions !== undefined) key.max_versions = maxVersions;
    if (casRequired !== undefined) key.cas_required = casRequired;
    if (typeof body.delete_version_after === 'string') key.delete_version_after = body.delete_version_after;
    if (custom !== undefined) key.custom_metadata = custom;
  }

  /**
   * PATCH metadata (path_metadata.go pathMetadataPatch): a JSON merge patch of the four fields on
   * metadata that must exist (404 otherwise); in custom_metadata a null removes a key. The result
   * is validated as a whole, so a patch that takes the map over 64 keys is refused.
   */
  patchMetadata(path: string, body: Record<string, unknown>): void {
    const key = this.keys.get(path);
    if (!key) throw notFound();
    let custom = key.custom_metadata;
    if (body.custom_metadata !== undefined) {
      const patch = body.custom_metadata;
      if (patch === null) custom = {};
      else if (typeof patch !== 'object' || Array.isArray(patch)) throw fieldError('custom_metadata', patch, 'map[string]interface {}');
      else {
        const merged: Record<string, unknown> = { ...(key.custom_metadata ?? {}) };
        for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        custom = parseCustomMetadata(merged);
      }
    }
    const maxVersions = body.max_versions !== undefined ? intField('max_versions', body.max_versions) : undefined;
    const casRequired = body.cas_required !== undefined ? boolField('cas_required', body.cas_required) : undefined;
    key.custom_metadata = custom;
    if (maxVersions !== undefined) key.max_versions = maxVersions;
    if (casRequired !== undefined) key.cas_required = casRequired;
    if (typeof body.delete_version_after === 'string') key.delete_version_after = body.delete_version_after;
    key.updated_time = this.stamp();
  }

  /** DELETE metadata: every version and the metadata, permanently. A missing key is fine. */
  deleteMetadata(path: string): void {
    this.keys.delete(path);
  }

  /** DELETE data (path_data.go pathDataDelete): soft-delete the latest version unless it is gone already. */
  deleteLatest(path: string): void {
    const key = this.keys.get(path);
    const latest = key?.versions[String(key.current_version)];
    if (latest && !latest.destroyed && latest.deletion_time === '') latest.deletion_time = this.stamp();
  }

  /** path_delete.go pathDeleteWrite: "No version number provided" (capital N, unlike destroy). */
  deleteVersions(path: string, versions: unknown): void {
    for (const v of this.pick(path, versions, 'No version number provided'))
      if (!v.destroyed && v.deletion_time === '') v.deletion_time = this.stamp();
  }

  /** path_delete.go pathUndeleteWrite */
  undeleteVersions(path: string, versions: unknown): void {
    for (const v of this.pick(path, versions, 'No version number provided')) if (!v.destroyed) v.deletion_time = '';
  }

  /** path_destroy.go pathDestroyWrite: "no version number provided" (lower case). */
  destroyVersions(path: string, versions: unknown): void {
    for (const v of this.pick(path, versions, 'no version number provided')) {
      v.destroyed = true;
      v.data = null;
    }
  }

  /** Keys directly under `prefix` (a folder ends with "/"); nothing there answers 404 (ListResponse with no keys). */
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

  private pick(path: string, versions: unknown, emptyMessage: string): Version[] {
    const numbers = commaIntSlice('versions', versions);
    if (numbers.length === 0) throw badRequest(emptyMessage);
    const key = this.keys.get(path);
    if (!key) return [];
    return numbers.map((n) => key.versions[String(n)]).filter((v): v is Version => v !== undefined);
  }

  private blank(): Key {
    return {
      versions: {},
      current_version: 0,
      oldest_version: 0,
      max_versions: 0,
      cas_required: false,
      delete_version_after: '0s',
      custom_metadata: null,
      created_time: '',
      updated_time: '',
    };
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}

/** path_data.go validateCheckAndSetOption (no mount-level cas_required here). */
function validateCas(options: unknown, key: Key | undefined): void {
  const cas = options !== null && typeof options === 'object' ? (options as Record<string, unknown>).cas : undefined;
  if (cas === undefined) {
    if (key?.cas_required) throw badRequest('check-and-set parameter required for this call');
    return;
  }
  const n = weakInt(cas);
  if (n === undefined) throw badRequest('error parsing check-and-set parameter');
  if (n !== (key?.current_version ?? 0)) throw badRequest('check-and-set parameter did not match the current version');
}

/** KeyMetadata.AddVersion: once current − oldest reaches max_versions, versions up to current − max go for good. */
function addVersionWindow(key: Key): void {
  const max = key.max_versions > 0 ? key.max_versions : DEFAULT_MAX_VERSIONS;
  if (key.current_version - key.oldest_version < max) return;
  const toDelete = key.current_version - max;
  for (let i = key.oldest_version; i <= toDelete; i += 1) delete key.versions[String(i)];
  key.oldest_version = toDelete + 1;
}

/** parseCustomMetadata (mapstructure.WeakDecode to string) then validateCustomMetadata, with Vault's wording. */
function parseCustomMetadata(raw: unknown): Record<string, string> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fieldError('custom_metadata', raw, 'map[string]interface {}');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const s = weakString(v);
    if (s === undefined)
      throw badRequest(`${CUSTOM_PREFIX}: '' expected type 'string', got unconvertible type '${goType(v)}', value: '${goValue(v)}'`);
    out[k] = s;
  }
  const entries = Object.entries(out);
  if (entries.length > MAX_CUSTOM_KEYS)
    throw badRequest(multiError([`${CUSTOM_PREFIX}: payload must contain at most ${MAX_CUSTOM_KEYS} keys, provided ${entries.length}`]));
  const problems: string[] = [];
  for (const [k, v] of entries) {
    const kl = Buffer.byteLength(k);
    const vl = Buffer.byteLength(v);
    if (kl === 0 || kl > MAX_CUSTOM_KEY_LENGTH)
      problems.push(`${CUSTOM_PREFIX}: length of key ${goQuote(k)} is ${kl} but must be 0 < len(key) <= ${MAX_CUSTOM_KEY_LENGTH}`);
    if (vl === 0 || vl > MAX_CUSTOM_VALUE_LENGTH)
      problems.push(
        `${CUSTOM_PREFIX}: length of value for key ${goQuote(k)} is ${vl} but must be 0 < len(value) <= ${MAX_CUSTOM_VALUE_LENGTH}`,
      );
    if (!printable(k)) problems.push(`${CUSTOM_PREFIX}: key ${goQuote(k)} (${k}) contains unprintable characters`);
    if (!printable(v)) problems.push(`${CUSTOM_PREFIX}: value for key ${goQuote(k)} contains unprintable characters`);
  }
  if (problems.length > 0) throw badRequest(multiError(problems));
  return out;
}

/** mapstructure.WeakDecode into a string: strings, numbers, bools (true → "1"); null → "" (then refused as empty). */
function weakString(v: unknown): string | undefined {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return undefined;
}

function weakInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** framework.TypeInt */
function intField(name: string, v: unknown): number {
  const n = weakInt(v);
  if (n === undefined) throw fieldError(name, v, 'int');
  return n;
}

/** framework.TypeBool (parseutil.ParseBool) */
function boolField(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(v)) return false;
  }
  throw fieldError(name, v, 'bool');
}

/** framework.TypeCommaIntSlice: [1, "2"] or "1,2". */
function commaIntSlice(name: string, v: unknown): number[] {
  if (v === undefined || v === null) return [];
  const items = typeof v === 'string' ? (v === '' ? [] : v.split(',')) : Array.isArray(v) ? v : [v];
  return items.map((item) => {
    const n = weakInt(typeof item === 'string' ? item.trim() : item);
    if (n === undefined) throw fieldError(name, v, '[]int');
    return n;
  });
}

/** The framework's field conversion failure (sdk/framework/field_data.go). */
function fieldError(name: string, value: unknown, goTarget: string): VaultHttpError {
  return badRequest(`error converting input ${goValue(value)} for field "${name}": cannot parse '' as ${goTarget}`);
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (v !== null && typeof v === 'object') return 'map[string]interface {}';
  return typeof v;
}

function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v !== null && typeof v === 'object')
    return `map[${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${goValue(x)}`)
      .join(' ')}]`;
  return String(v);
}

/** Go's %q for the plain strings keyturn and the tests use. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** strutil.Printable: no control characters. */
function printable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f-\u009f]/.test(s);
}
