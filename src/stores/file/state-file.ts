/**
 * The store file on disk and its decrypted in-memory copy. Plain reads trust the cache while
 * the file's (ino, size, mtimeMs) are unchanged; a read-modify-write (under the lock) also
 * compares the header's IV, which is fresh on every write, so a coarse file-system clock can
 * never make a writer build on a stale copy.
 */
import fs from 'node:fs/promises';
import { constants as fsConstants, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errors, isKeyturnError, messageOf, type KeyturnError } from '../../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { emptyDocument, parseDocument, serializeDocument, type StoreDocument } from './document.js';
import { HEADER_LENGTH, decryptDocument, encryptDocument, ivOf } from './format.js';
import { ioProblem } from './io-error.js';
import { loadRescue, lostError, overlay, rescueExists, rescuePathOf, saveRescue, waitingRescueError } from './rescue.js';
import { isCode, type MasterKeySource, type ResolvedKey } from './master-key.js';
import { fileStoreNotice } from './notices.js';
import { readRekeyMarker, rekeyMarkerPathOf } from './rekey-marker.js';

interface Signature {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface Cached {
  doc: StoreDocument;
  /** undefined: the file did not exist */
  sig?: Signature;
  iv?: string;
}

export interface StateFileStats {
  /** times the file was read and decrypted */
  loads: number;
  /** atomic writes (renames) of the file */
  writes: number;
}

/** Which store this process has been using: a store's id and generation survive our writes, its inode only until the next. */
interface Known {
  id?: string;
  generation: number;
  dev: number;
  ino: number;
}

export class StateFile {
  private cached: Cached | undefined;
  private sharedRead: { writes: number; doc: Promise<StoreDocument> } | undefined;
  readonly stats: StateFileStats = { loads: 0, writes: 0 };
  readonly rescueFile: string;
  /** undefined until the store exists for this process; from then on it must stay this store */
  private known: Known | undefined;
  /** the newest document read or written, kept through invalidate() for a rescue */
  private last: StoreDocument | undefined;
  /** secret paths this process wrote: what a rescue must save */
  private readonly written = new Set<string>();
  private lost: Promise<KeyturnError> | undefined;
  /** the loaded document carries a rescue record's entries: the next write makes them durable */
  private rescueLaidOver = false;
  /** whether the rekey marker was looked for (once per process) */
  private markerChecked = false;

  constructor(
    readonly file: string,
    private readonly keys: MasterKeySource,
  ) {
    this.rescueFile = rescuePathOf(file);
  }

  /** The durable state now: from the cache when the file did not change. */
  read(): Promise<StoreDocument> {
    // Reads issued together (a plan reads every key) share one stat, unless a local write
    // landed since that stat began: a caller must always see its own writes.
    if (this.sharedRead && this.sharedRead.writes === this.stats.writes) return this.sharedRead.doc;
    const shared = { writes: this.stats.writes, doc: this.readNow() };
    this.sharedRead = shared;
    const clear = () => {
      if (this.sharedRead === shared) this.sharedRead = undefined;
    };
    shared.doc.then(clear, clear);
    return shared.doc;
  }

  private async readNow(): Promise<StoreDocument> {
    if (this.lost) throw await this.lost;
    let stat: Stats;
    try {
      stat = await fs.stat(this.file);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return (await this.absent()).doc;
      throw this.ioError('read', error);
    }
    const cached = this.cached;
    if (cached?.sig && sameSignature(cached.sig, stat)) return cached.doc;
    return (await this.load(false)).doc;
  }

  /** The state to build the next write on; call only while holding the store's lock. */
  async readForUpdate(): Promise<{ doc: StoreDocument; exists: boolean }> {
    if (this.lost) throw await this.lost;
    return this.load(true);
  }

  /** The last load laid a rescue record over the store: the next write makes it durable and removes the record. */
  get rescuePending(): boolean {
    return this.rescueLaidOver;
  }

  /**
   * Write `doc` (a new object: its id and generation are set here); `changed` names the secrets it changes.
   * `newKey`: encrypt under this key instead of the store's (store rekey); later writes of this process use it too.
   */
  async write(
    doc: StoreDocument,
    existed: boolean,
    beforeRename: () => Promise<void>,
    changed: Iterable<string>,
    newKey?: ResolvedKey,
  ): Promise<void> {
    if (this.lost) throw await this.lost;
    const { key } = newKey ?? (existed ? await this.keys.forExistingStore() : await this.keys.forNewStore());
    doc.id ??= randomBytes(12).toString('hex');
    doc.generation = (doc.generation ?? 0) + 1;
    // a new store's key begins its cryptoperiod with the store's first write
    if (!existed) doc.masterKey ??= { createdAt: new Date().toISOString() };
    const data = encryptDocument(serializeDocument(doc), key);
    let stat: Stats;
    try {
      stat = await writeFileAtomic(this.file, data, async () => {
        await beforeRename();
        await this.checkInPlace(existed);
      });
    } catch (error) {
      this.cached = undefined;
      throw this.ioError('write', error);
    }
    this.stats.writes += 1;
    if (newKey) this.keys.use(newKey);
    for (const name of changed) this.written.add(name);
    this.known = { id: doc.id, generation: doc.generation, dev: stat.dev, ino: stat.ino };
    this.last = doc;
    this.cached = { doc, sig: signature(stat), iv: ivOf(data) };
    if (this.rescueLaidOver) {
      // durable in the store now; a crash before this unlink only makes the next load lay it over again
      this.rescueLaidOver = false;
      await fs.unlink(this.rescueFile).catch(() => {});
    }
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** No store file: a brand-new store, unless this process saw one (lost) or a rescue record waits. */
  private async absent(): Promise<{ doc: StoreDocument; exists: false }> {
    if (this.known) throw await this.markLost('was deleted');
    if (await rescueExists(this.rescueFile)) throw waitingRescueError(this.file, this.rescueFile, `the store file ${this.file} is missing`);
    if (!this.cached || this.cached.sig) this.cached = { doc: emptyDocument() };
    return { doc: this.cached.doc, exists: false };
  }

  /**
   * Just before our rename: the file we built on must still be in place (we hold the lock, so
   * no keyturn wrote since). Gone or another inode means someone deleted or replaced the store.
   */
  private async checkInPlace(existed: boolean): Promise<void> {
    let stat: Stats;
    try {
      stat = await fs.stat(this.file);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      if (existed) throw await this.markLost('was deleted');
      return;
    }
    if (!existed) throw await this.markLost('appeared from elsewhere (keyturn was creating it)');
    const known = this.known;
    if (known && (stat.ino !== known.ino || stat.dev !== known.dev)) throw await this.markLost('was replaced by another file');
  }

  /** Check the loaded document is the store this process has been using, then remember it. */
  private async identify(doc: StoreDocument, stat: Stats): Promise<void> {
    const known = this.known;
    if (known?.id !== undefined && doc.id !== known.id) {
      throw await this.markLost(`was replaced by another store (store id ${doc.id ?? 'none'}, this run's ${known.id})`);
    }
    if (known && (doc.generation ?? 0) < known.generation) throw await this.markLost('was replaced by an older copy of itself');
    if (known && stat.dev !== known.dev) throw await this.markLost('was replaced by a file on another file system');
    this.known = { id: doc.id, generation: doc.generation ?? 0, dev: stat.dev, ino: stat.ino };
    this.last = doc;
  }

  /** From now on every call fails with the same error; the entries this process wrote are saved first. */
  private markLost(what: string): Promise<KeyturnError> {
    this.lost ??= (async () => {
      this.cached = undefined;
      const last = this.last;
      try {
        const { key } = await this.keys.forExistingStore();
        const keys = last ? await saveRescue(this.rescueFile, last, this.written, key) : [];
        return lostError(this.file, what, { file: this.rescueFile, keys });
      } catch (error) {
        return lostError(this.file, what, { failed: isKeyturnError(error) ? error.message : ioProblem(error) });
      }
    })();
    return this.lost;
  }

  /** Open once, fstat and read through the same descriptor: the content matches the signature. */
  private async load(checkIv: boolean): Promise<{ doc: StoreDocument; exists: boolean }> {
    let handle: fs.FileHandle;
    try {
      // O_NONBLOCK: a FIFO at the store's path must be refused, not waited on.
      handle = await fs.open(this.file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return this.absent();
      throw this.ioError('read', error);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw errors.storeFile(`store file ${this.file} is not a regular file`, 'point the store at its file');
      const cached = this.cached;
      if (checkIv && cached?.sig && cached.iv && cached.sig.size === stat.size) {
        const header = await readAt(handle, HEADER_LENGTH);
        if (ivOf(header) === cached.iv) {
          cached.sig = signature(stat);
          return { doc: cached.doc, exists: true };
        }
      }
      const data = await readAt(handle, stat.size);
      let resolved = await this.keys.forExistingStore();
      let doc: StoreDocument;
      try {
        doc = parseDocument(decryptDocument(data, resolved.key, this.file, resolved.source).toString('utf8'), this.file);
      } catch (error) {
        const opened = this.known ? await this.reopenAfterRekey(data, resolved) : undefined;
        // This key read the store before: a file it cannot read now (nor with a rekey's new key) is another file.
        if (this.known && !opened) throw await this.markLost(`was replaced by a file keyturn cannot read as it (${messageOf(error)})`);
        if (!opened && (!isKeyturnError(error) || error.code !== 'EMASTERKEY')) throw error;
        ({ resolved, doc } = opened ?? (await this.afterInterruptedRekey(data, resolved, error as KeyturnError)));
      }
      await this.noteInterruptedRekey(resolved);
      const rescue = await loadRescue(this.rescueFile, resolved);
      if (rescue) doc = this.layOver(doc, rescue);
      await this.identify(doc, stat);
      this.stats.loads += 1;
      this.cached = { doc, sig: signature(stat), iv: ivOf(data) };
      return { doc, exists: true };
    } catch (error) {
      throw this.ioError('read', error);
    } finally {
      await handle.close();
    }
  }

  /**
   * The configured key does not open the store. A `store rekey` killed after it re-encrypted the
   * store and before it moved the new key into the key file left that key beside it: use it, and
   * say so. Otherwise, when a rekey was interrupted, the error says which of its two keys opens the store.
   */
  private async afterInterruptedRekey(
    data: Buffer,
    tried: ResolvedKey,
    error: KeyturnError,
  ): Promise<{ doc: StoreDocument; resolved: ResolvedKey }> {
    const alternate = await this.keys.alternate();
    if (alternate) {
      try {
        const doc = parseDocument(decryptDocument(data, alternate.key, this.file, alternate.source).toString('utf8'), this.file);
        this.keys.use(alternate);
        return { doc, resolved: alternate };
      } catch {
        // neither key: explained below
      }
    }
    const hint = await this.keys.explainWrongKey(tried.key);
    if (!hint) throw error;
    throw errors.masterKey(error.message, hint);
  }

  /**
   * The store this process uses was rekeyed by `keyturn store rekey` since its last read (between
   * two of its commits: rekey holds the lock). A key file store's new key is in the key file, or
   * beside it while the rekey finishes: the same store under it (same id) is read on with it.
   */
  private async reopenAfterRekey(data: Buffer, tried: ResolvedKey): Promise<{ doc: StoreDocument; resolved: ResolvedKey } | undefined> {
    if (this.keys.mode !== 'file') return undefined;
    const candidates = [await this.keys.readKeyFile(this.keys.keyFile).catch(() => undefined), await this.keys.alternate()];
    for (const candidate of candidates) {
      if (!candidate || candidate.key.equals(tried.key)) continue;
      try {
        const doc = parseDocument(decryptDocument(data, candidate.key, this.file, candidate.source).toString('utf8'), this.file);
        if (doc.id !== this.known?.id) return undefined;
        this.keys.use(candidate);
        return { doc, resolved: candidate };
      } catch {
        // not this one
      }
    }
    return undefined;
  }

  /** Once per process: an interrupted rekey's marker is still there; say which key opened the store. */
  private async noteInterruptedRekey(resolved: ResolvedKey): Promise<void> {
    if (this.markerChecked) return;
    this.markerChecked = true;
    const marker = await readRekeyMarker(this.file).catch(() => undefined);
    if (!marker) return;
    const which = resolved.interrupted ? 'its new key' : 'the configured key';
    fileStoreNotice(
      `a keyturn store rekey of ${this.file} (started ${marker.startedAt}) was interrupted; the store opens with ${which}, ` +
        `from ${resolved.source}. Run keyturn store rekey again to finish (${rekeyMarkerPathOf(this.file)} is its note)`,
    );
  }

  /** A store restored from a backup gets back what the run that lost it had written. */
  private layOver(doc: StoreDocument, rescue: StoreDocument): StoreDocument {
    // A store from before store ids has none; any other id is another store.
    if (doc.id !== undefined && doc.id !== rescue.id) {
      const why = `${this.file} is not the store it was saved from (store id ${doc.id}, the record's ${rescue.id ?? 'none'})`;
      throw waitingRescueError(this.file, this.rescueFile, why);
    }
    this.rescueLaidOver = true;
    return overlay({ ...doc, id: rescue.id }, rescue);
  }

  private ioError(what: 'read' | 'write', error: unknown): Error {
    if (isKeyturnError(error)) return error;
    const hint =
      what === 'write'
        ? `free space on (or fix) the disk holding ${this.file}, then run keyturn again: it resumes where this run stopped`
        : `check ${this.file} and its directory`;
    return errors.storeIo(`cannot ${what} the store file ${this.file}: ${ioProblem(error)}`, hint);
  }
}

async function readAt(handle: fs.FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(buffer, offset, length - offset, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}

function signature(stat: Stats): Signature {
  return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
}

function sameSignature(a: Signature, stat: Stats): boolean {
  return a.ino === stat.ino && a.size === stat.size && a.mtimeMs === stat.mtimeMs;
}
