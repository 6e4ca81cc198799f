/**
 * A key's history. Appending is a write of the state document the run already knows (its
 * `recent` entries) rather than a read and a write of another; once a few have gathered they
 * move over in a batch to the key's history document. A crash in the middle of a move leaves
 * entries in both, and reads merge them: one entry per rotation and outcome, newest last.
 */
import { isDeepStrictEqual } from 'node:util';
import { errors } from '../../errors.js';
import type { VaultClient } from './client.js';
import { Documents, UNCHANGED } from './documents.js';
import { emptyState, type VaultState } from './labels.js';
import { mirrorToMetadata } from './metadata-mirror.js';
import type { VaultPaths } from './paths.js';
import type { ReadCache } from './read-cache.js';
import type { HistoryEntry, StoreRef } from '../../model.js';

export const DEFAULT_HISTORY_LIMIT = 200;
/** history entries kept in the state document before they are moved to the history document */
const RECENT_HISTORY = 8;
const MAX_FLUSH_ROUNDS = 4;

export class History {
  constructor(
    private readonly client: VaultClient,
    private readonly docs: Documents,
    private readonly paths: VaultPaths,
    private readonly cache: ReadCache,
    private readonly limit: number,
  ) {}

  async append(ref: StoreRef, entry: HistoryEntry): Promise<void> {
    const statePath = this.paths.document(ref, 'state');
    let changed: boolean;
    for (let round = 0; ; round += 1) {
      if (round === MAX_FLUSH_ROUNDS) {
        const message = `cannot append to the history of ${ref.key}: other writers keep filling it`;
        throw errors.store(message, 'rerun; the rotation itself is recorded');
      }
      const known = this.docs.peek<VaultState>(statePath);
      const recent = known?.doc?.recent ?? [];
      // full: first move the recent entries to the history document
      if (!recent.some((h) => sameEntry(h, entry)) && recent.length >= RECENT_HISTORY) await this.flush(ref);
      const outcome = await this.docs.update<VaultState, 'unchanged' | 'appended' | 'full'>(statePath, (doc) => {
        const list = [...(doc?.recent ?? [])];
        const index = list.findIndex((h) => sameEntry(h, entry));
        if (index >= 0) {
          if (isDeepStrictEqual(list[index], entry)) return { next: UNCHANGED, value: 'unchanged' };
          list[index] = entry;
        } else {
          // another process filled it meanwhile: flush, then try again
          if (list.length >= RECENT_HISTORY) return { next: UNCHANGED, value: 'full' };
          list.push(entry);
        }
        return { next: { ...(doc ?? emptyState()), recent: list }, value: 'appended' };
      });
      if (outcome === 'full') {
        await this.flush(ref);
        continue;
      }
      changed = outcome === 'appended';
      break;
    }
    // operators looking at the secret in Vault's UI see who rotated it and when
    if (changed && entry.outcome === 'completed') await mirrorToMetadata(this.client, this.paths.secretMetadata(ref), entry);
  }

  /**
   * The same append, written with the next write to the state document, when the entry fits in
   * the state document's recent list (no batch to move). False: the caller appends at once.
   */
  async appendDeferred(ref: StoreRef, entry: HistoryEntry, guard: (doc: VaultState | undefined) => void): Promise<boolean> {
    const statePath = this.paths.document(ref, 'state');
    const recent = this.docs.glance<VaultState, HistoryEntry[] | undefined>(statePath, (doc) => doc?.recent) ?? [];
    const index = recent.findIndex((h) => sameEntry(h, entry));
    if (index < 0 && recent.length >= RECENT_HISTORY) return false;
    if (index >= 0 && isDeepStrictEqual(recent[index], entry)) return true;
    const deferred = this.docs.defer<VaultState>(statePath, (doc) => {
      guard(doc);
      const list = [...(doc?.recent ?? [])];
      const at = list.findIndex((h) => sameEntry(h, entry));
      if (at >= 0) {
        if (isDeepStrictEqual(list[at], entry)) return UNCHANGED;
        list[at] = entry;
      } else list.push(entry);
      return { ...(doc ?? emptyState()), recent: list };
    });
    if (!deferred) return false;
    if (entry.outcome === 'completed') await mirrorToMetadata(this.client, this.paths.secretMetadata(ref), entry);
    return true;
  }

  /** One key's history, or every key's under the prefix, oldest first. */
  async read(ref?: StoreRef): Promise<HistoryEntry[]> {
    if (ref) {
      const [kept, state] = await Promise.all([
        this.docs.read<HistoryEntry[]>(this.paths.document(ref, 'history')),
        this.cache.ownDoc<VaultState>(ref, 'state'),
      ]);
      return structuredClone(mergeHistory(kept ?? [], state?.recent ?? [], this.limit));
    }
    const root = this.paths.documentsRoot();
    const folders = await this.folders(root.data, root.metadata);
    const all = (
      await Promise.all(
        folders.map(async (f) => {
          const [kept, state] = await Promise.all([this.docs.read<HistoryEntry[]>(`${f}history`), this.docs.read<VaultState>(`${f}state`)]);
          return mergeHistory(kept ?? [], state?.recent ?? [], this.limit);
        }),
      )
    ).flat();
    return all.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  }

  /** Move the state document's recent entries into the history document, then drop them from the state. */
  private async flush(ref: StoreRef): Promise<void> {
    const statePath = this.paths.document(ref, 'state');
    const state = await this.docs.read<VaultState>(statePath);
    const moving = state?.recent ?? [];
    if (!moving.length) return;
    await this.docs.update<HistoryEntry[], void>(this.paths.document(ref, 'history'), (doc) => {
      const merged = mergeHistory(doc ?? [], moving, this.limit);
      return { next: isDeepStrictEqual(merged, doc ?? []) ? UNCHANGED : merged, value: undefined };
    });
    await this.docs.update<VaultState, void>(statePath, (doc) => {
      const left = (doc?.recent ?? []).filter((h) => !moving.some((m) => isDeepStrictEqual(m, h)));
      if (!doc || left.length === (doc.recent ?? []).length) return { next: UNCHANGED, value: undefined };
      const next: VaultState = { ...doc, recent: left };
      if (!left.length) delete next.recent;
      return { next, value: undefined };
    });
  }

  /** Every folder under the prefix that holds a key's history or state document (data paths, with a trailing slash). */
  private async folders(data: string, metadata: string): Promise<string[]> {
    const keys = await this.client.list(metadata);
    const nested = await Promise.all(keys.filter((k) => k.endsWith('/')).map((k) => this.folders(`${data}${k}`, `${metadata}${k}`)));
    const here = keys.includes('history') || keys.includes('state') ? [data] : [];
    return [...here, ...nested.flat()];
  }
}

function sameEntry(a: HistoryEntry, b: HistoryEntry): boolean {
  return a.rotationId === b.rotationId && a.outcome === b.outcome;
}

/** The history document's entries with the recent ones (newer) on top: one entry per rotation and outcome, newest last. */
function mergeHistory(kept: HistoryEntry[], recent: HistoryEntry[], limit: number): HistoryEntry[] {
  const list = [...kept];
  for (const entry of recent) {
    const index = list.findIndex((h) => sameEntry(h, entry));
    if (index >= 0) list[index] = entry;
    else list.push(entry);
  }
  return list.slice(-limit);
}
