/**
 * The store file on disk and its decrypted in-memory copy. Plain reads trust the cache while
 * the file's (ino, size, mtimeMs) are unchanged; a read-modify-write (under the lock) also
 * compares the header's IV, which is fresh on every write, so a coarse file-system clock can
 * never make a writer build on a stale copy.
 */
import fs from 'node:fs/promises';
import { constants as fsConstants, type Stats } from 'node:fs';
import { errors, isKeyturnError } from '../../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { emptyDocument, parseDocument, serializeDocument, type StoreDocument } from './document.js';
import { HEADER_LENGTH, decryptDocument, encryptDocument, ivOf } from './format.js';
import { ioProblem } from './io-error.js';
import { isCode, type MasterKeySource } from './master-key.js';

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

export class StateFile {
  private cached: Cached | undefined;
  private sharedRead: { writes: number; doc: Promise<StoreDocument> } | undefined;
  readonly stats: StateFileStats = { loads: 0, writes: 0 };

  constructor(
    readonly file: string,
    private readonly keys: MasterKeySource,
  ) {}

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
    let stat: Stats;
    try {
      stat = await fs.stat(this.file);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return this.absent();
      throw this.ioError('read', error);
    }
    const cached = this.cached;
    if (cached?.sig && sameSignature(cached.sig, stat)) return cached.doc;
    return (await this.load(false)).doc;
  }

  /** The state to build the next write on; call only while holding the store's lock. */
  async readForUpdate(): Promise<{ doc: StoreDocument; exists: boolean }> {
    return this.load(true);
  }

  async write(doc: StoreDocument, existed: boolean, beforeRename: () => Promise<void>): Promise<void> {
    const { key } = existed ? await this.keys.forExistingStore() : await this.keys.forNewStore();
    const data = encryptDocument(serializeDocument(doc), key);
    let stat: Stats;
    try {
      stat = await writeFileAtomic(this.file, data, beforeRename);
    } catch (error) {
      this.cached = undefined;
      throw this.ioError('write', error);
    }
    this.stats.writes += 1;
    this.cached = { doc, sig: signature(stat), iv: ivOf(data) };
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private absent(): StoreDocument {
    if (!this.cached || this.cached.sig) this.cached = { doc: emptyDocument() };
    return this.cached.doc;
  }

  /** Open once, fstat and read through the same descriptor: the content matches the signature. */
  private async load(checkIv: boolean): Promise<{ doc: StoreDocument; exists: boolean }> {
    let handle: fs.FileHandle;
    try {
      // O_NONBLOCK: a FIFO at the store's path must be refused, not waited on.
      handle = await fs.open(this.file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return { doc: this.absent(), exists: false };
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
      const { key, source } = await this.keys.forExistingStore();
      const text = decryptDocument(data, key, this.file, source).toString('utf8');
      const doc = parseDocument(text, this.file);
      this.stats.loads += 1;
      this.cached = { doc, sig: signature(stat), iv: ivOf(data) };
      return { doc, exists: true };
    } catch (error) {
      throw this.ioError('read', error);
    } finally {
      await handle.close();
    }
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
