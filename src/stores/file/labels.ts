/**
 * AWS staging-label semantics on one entry's version list. Each function checks everything
 * before it changes anything, so a throw leaves the entry untouched, and returns whether it
 * changed the entry (false: an idempotent repeat, nothing to write).
 */
import { isDeepStrictEqual } from 'node:util';
import { errors } from '../../errors.js';
import type { SecretEntry } from './document.js';
import type { KeyMaterial } from '../../model.js';

/** Versions kept besides PENDING: CURRENT, PREVIOUS and one older, so a rollback can move PREVIOUS back one. */
export const DEFAULT_KEEP_VERSIONS = 3;

export interface NewVersion {
  keyId: string;
  material: KeyMaterial;
  meta?: Record<string, string>;
}

export function stageVersion(entry: SecretEntry, key: string, rotationId: string, version: NewVersion, createdAt: string): boolean {
  const existing = entry.versions.find((v) => v.rotationId === rotationId);
  if (existing) {
    if (isDeepStrictEqual(existing.material, version.material)) return false;
    throw errors.stageConflict(key, rotationId);
  }
  const replaced = entry.labels.PENDING;
  // The engine stages a new rotation over an old PENDING only after it cleaned that one up.
  if (replaced !== undefined) entry.versions = entry.versions.filter((v) => v.rotationId !== replaced);
  entry.versions.push({
    rotationId,
    keyId: version.keyId,
    material: { ...version.material },
    createdAt,
    meta: { ...(version.meta ?? {}) },
  });
  entry.labels.PENDING = rotationId;
  return true;
}

export function promoteVersion(entry: SecretEntry, key: string, rotationId: string, keep: number): boolean {
  if (entry.labels.CURRENT === rotationId) return false;
  const version = entry.versions.find((v) => v.rotationId === rotationId);
  if (entry.labels.PENDING !== rotationId || !version) {
    throw errors.notPendingVersion(key, rotationId);
  }
  // Versions stay in the order they became CURRENT, which rollback relies on.
  entry.versions = [...entry.versions.filter((v) => v !== version), version];
  if (entry.labels.CURRENT !== undefined) entry.labels.PREVIOUS = entry.labels.CURRENT;
  entry.labels.CURRENT = rotationId;
  delete entry.labels.PENDING;
  prune(entry, keep);
  return true;
}

export function rollbackVersion(entry: SecretEntry, rotationId: string): boolean {
  const { labels } = entry;
  if (labels.PENDING === rotationId) {
    entry.versions = entry.versions.filter((v) => v.rotationId !== rotationId);
    delete labels.PENDING;
    return true;
  }
  if (labels.CURRENT !== rotationId) return false;
  entry.versions = entry.versions.filter((v) => v.rotationId !== rotationId);
  const restored = labels.PREVIOUS;
  delete labels.PREVIOUS;
  if (restored === undefined) {
    delete labels.CURRENT;
    return true;
  }
  labels.CURRENT = restored;
  const promoted = entry.versions.filter((v) => v.rotationId !== labels.PENDING);
  const index = promoted.findIndex((v) => v.rotationId === restored);
  const before = index > 0 ? promoted[index - 1] : undefined;
  if (before) labels.PREVIOUS = before.rotationId;
  return true;
}

/** Drop the oldest unlabeled versions beyond `keep` (PENDING not counted). */
function prune(entry: SecretEntry, keep: number): void {
  const labeled = new Set(Object.values(entry.labels));
  let surplus = entry.versions.filter((v) => v.rotationId !== entry.labels.PENDING).length - keep;
  if (surplus <= 0) return;
  entry.versions = entry.versions.filter((v) => {
    if (surplus > 0 && !labeled.has(v.rotationId)) {
      surplus -= 1;
      return false;
    }
    return true;
  });
}
