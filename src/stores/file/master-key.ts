/**
 * Where the file store's 32-byte master key comes from: KEYTURN_MASTER_KEY (64 hex chars or
 * base64 of 32 bytes) when set, else a key file kept next to the store (mode 0600). The key
 * file is created only by the first write, never by a read (a dry run writes nothing), and
 * never while a store file already exists: a fresh key could not decrypt it.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../../errors.js';
import { fsyncDir } from './atomic-write.js';
import { MASTER_KEY_ENV } from '../../env-names.js';
import { keyIdOf, readRekeyMarker, type RekeyMarker } from './rekey-marker.js';

const KEY_LENGTH = 32;

/** Parse a key written as 64 hex chars or as base64 of 32 bytes; undefined when it is neither. */
export function parseMasterKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === KEY_LENGTH) return bytes;
  }
  return undefined;
}

export interface MasterKeyOptions {
  env: NodeJS.ProcessEnv;
  /** absolute path of the key file */
  keyFile: string;
  /** absolute path of the store file, for messages */
  storeFile: string;
}

export interface ResolvedKey {
  key: Buffer;
  /** where the key came from, for messages (never the key) */
  source: string;
  /** the new key file an interrupted `store rekey` left (the store is encrypted under it, the key file is not yet) */
  interrupted?: boolean;
}

/** Resolves the key once and remembers it. */
export class MasterKeySource {
  private resolved: ResolvedKey | undefined;

  constructor(private readonly options: MasterKeyOptions) {}

  /** Where the key comes from: the environment, or the key file. */
  get mode(): 'env' | 'file' {
    const raw = this.options.env[MASTER_KEY_ENV];
    return raw === undefined || raw === '' ? 'file' : 'env';
  }

  get keyFile(): string {
    return this.options.keyFile;
  }

  /** The key in use once one has been resolved. */
  get current(): ResolvedKey | undefined {
    return this.resolved;
  }

  /** Use this key from now on (it opened the store where the configured one did not). */
  use(key: ResolvedKey): void {
    this.resolved = key;
  }

  /**
   * When the configured key does not open the store: the new key of a `store rekey` that was
   * killed after it re-encrypted the store and before it moved the new key into the key file.
   */
  async alternate(): Promise<ResolvedKey | undefined> {
    if (this.mode === 'env') return undefined;
    const marker = await readRekeyMarker(this.options.storeFile);
    if (!marker?.newKeyFile) return undefined;
    const found = await this.readKeyFile(marker.newKeyFile).catch(() => undefined);
    if (!found || keyIdOf(found.key) !== marker.newKeyId) return undefined;
    return {
      key: found.key,
      source: `the new key file ${marker.newKeyFile}, left by an interrupted keyturn store rekey`,
      interrupted: true,
    };
  }

  /** Why `key` does not open the store, when an interrupted rekey explains it; undefined otherwise. */
  async explainWrongKey(key: Buffer): Promise<string | undefined> {
    const marker = await readRekeyMarker(this.options.storeFile).catch(() => undefined);
    if (!marker) return undefined;
    return rekeyHint(marker, keyIdOf(key), this.mode === 'env' ? `set ${MASTER_KEY_ENV} to` : `put into ${this.options.keyFile}`);
  }

  /** The key to decrypt an existing store file: env or an existing key file, never a new one. */
  async forExistingStore(): Promise<ResolvedKey> {
    if (this.resolved) return this.resolved;
    const fromEnv = this.fromEnv();
    if (fromEnv) return (this.resolved = fromEnv);
    const fromFile = await this.readKeyFile(this.options.keyFile);
    if (fromFile) return (this.resolved = fromFile);
    const alternate = await this.alternate();
    if (alternate) return (this.resolved = alternate);
    throw errors.masterKey(
      `store file ${this.options.storeFile} exists but its master key file ${this.options.keyFile} does not`,
      `set ${MASTER_KEY_ENV}, or restore the key file; keyturn will not create a new key that cannot decrypt the store`,
    );
  }

  /** The key for the first write of a new store: env, an existing key file, or a new key file. */
  async forNewStore(): Promise<ResolvedKey> {
    if (this.resolved) return this.resolved;
    const fromEnv = this.fromEnv();
    if (fromEnv) return (this.resolved = fromEnv);
    const fromFile = (await this.readKeyFile(this.options.keyFile)) ?? (await this.createKeyFile());
    return (this.resolved = fromFile);
  }

  private fromEnv(): ResolvedKey | undefined {
    const raw = this.options.env[MASTER_KEY_ENV];
    if (raw === undefined || raw === '') return undefined;
    const key = parseMasterKey(raw);
    if (!key) {
      throw errors.masterKey(
        `${MASTER_KEY_ENV} is not a 32-byte key`,
        'set it to 64 hex characters (openssl rand -hex 32) or base64 of 32 bytes',
      );
    }
    return { key, source: `the ${MASTER_KEY_ENV} environment variable` };
  }

  /** A key file's key; undefined when the file does not exist. Refuses anything but a private regular file. */
  async readKeyFile(file: string): Promise<ResolvedKey | undefined> {
    let handle: fs.FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer.
      handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return this.missingKeyFile(file);
      if (isCode(error, 'ENXIO')) throw notRegular(file, 'a socket');
      throw errors.masterKey(`cannot open master key file ${file}: ${codeOf(error)}`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw notRegular(file, kindOf(stat));
      if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
        throw errors.masterKey(
          `master key file ${file} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)})`,
          `chmod 600 ${file}`,
        );
      }
      const data = await handle.readFile();
      const key = data.length === KEY_LENGTH ? data : parseMasterKey(data.toString('utf8'));
      if (!key)
        throw errors.masterKey(
          `master key file ${file} does not hold a 32-byte key`,
          'it must hold 64 hex characters, base64 of 32 bytes, or 32 raw bytes',
        );
      return { key, source: `the key file ${file}` };
    } finally {
      await handle.close();
    }
  }

  /** Absent is fine (a new store creates it); a symlink pointing nowhere is a mistake to name. */
  private async missingKeyFile(file: string): Promise<undefined> {
    let target: string;
    try {
      target = await fs.readlink(file);
    } catch {
      return undefined;
    }
    throw errors.masterKey(
      `master key file ${file} is a symbolic link to ${target}, which does not exist`,
      `restore ${path.resolve(path.dirname(file), target)}, or point masterKeyFile at the key`,
    );
  }

  /**
   * Write the new key to a private temp file, then hard-link it into place: link() fails if the
   * name exists, so two processes starting at once agree on one key and nobody reads a half-written file.
   */
  private async createKeyFile(): Promise<ResolvedKey> {
    const file = this.options.keyFile;
    const dir = path.dirname(file);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const key = randomBytes(KEY_LENGTH);
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temp, file);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw errors.masterKey(`cannot create master key file ${file}: ${codeOf(error)}`);
      const winner = await this.readKeyFile(file);
      if (!winner) throw errors.masterKey(`master key file ${file} vanished while it was being created`);
      return winner;
    } finally {
      await fs.unlink(temp).catch(() => {});
    }
    await fsyncDir(dir);
    return { key, source: `the key file ${file}` };
  }
}

/** The store is under one of the marker's two keys; `tried` is neither, or the other one. */
function rekeyHint(marker: RekeyMarker, tried: string, action: string): string {
  const since = `a keyturn store rekey started ${marker.startedAt} was interrupted`;
  const keysOf = `old key (id ${marker.oldKeyId})`;
  if (tried === marker.oldKeyId) {
    const now = `the new key (id ${marker.newKeyId})`;
    return `${since} after it re-encrypted the store under ${now}: ${action} the new key; keyturn store rekey then finishes`;
  }
  if (tried === marker.newKeyId) {
    const then = 'run keyturn store rekey again';
    return `${since} before it re-encrypted the store: it still opens with the ${keysOf}; ${action} the old key and ${then}`;
  }
  return `${since}; the store opens with its ${keysOf} or its new key (id ${marker.newKeyId}), and the key tried (id ${tried}) is neither`;
}

function notRegular(file: string, kind: string) {
  const hint = 'point masterKeyFile (or the default master.key) at a file holding the key';
  return errors.masterKey(`master key file ${file} is ${kind}, not a regular file`, hint);
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

export function codeOf(error: unknown): string {
  return (typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code) || 'unknown error';
}
