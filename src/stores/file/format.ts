/**
 * The encrypted container of the file store: a fixed header, then the AES-256-GCM ciphertext
 * of the JSON document. The header (magic, format version, IV) is authenticated as AAD, so a
 * flipped header byte fails exactly like a flipped ciphertext byte or a wrong master key.
 *
 *   offset  size  field
 *   0       8     magic "KEYTURN1"
 *   8       1     format version (1)
 *   9       12    random IV, fresh for every write
 *   21      16    GCM auth tag
 *   37      …     ciphertext
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { errors } from '../../errors.js';

export const MAGIC = Buffer.from('KEYTURN1', 'ascii');
export const FORMAT_VERSION = 1;
export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;
const VERSION_OFFSET = MAGIC.length;
const IV_OFFSET = VERSION_OFFSET + 1;
const TAG_OFFSET = IV_OFFSET + IV_LENGTH;
/** Bytes before the ciphertext; also the prefix a reader needs to identify one write (its IV). */
export const HEADER_LENGTH = TAG_OFFSET + TAG_LENGTH;

export function encryptDocument(plaintext: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const aad = Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION]), iv]);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([aad, cipher.getAuthTag(), body]);
}

/** The IV of a stored file: unique per write, so it names one version of the file. */
export function ivOf(header: Buffer): string | undefined {
  if (header.length < HEADER_LENGTH) return undefined;
  return header.subarray(IV_OFFSET, TAG_OFFSET).toString('hex');
}

/** Decrypt a whole store file. `where` names the file in messages; nothing secret is ever included. */
export function decryptDocument(data: Buffer, key: Buffer, where: string, keySource: string): Buffer {
  if (data.length < HEADER_LENGTH || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw errors.storeFile(
      `${where} is not a keyturn store file (bad header)`,
      'restore it from a backup, or point the store at the right file',
    );
  }
  const version = data[VERSION_OFFSET];
  if (version !== FORMAT_VERSION) {
    throw errors.storeFile(
      `${where} has store format version ${version ?? '?'}, this keyturn reads version ${FORMAT_VERSION}`,
      'upgrade keyturn',
    );
  }
  const aad = data.subarray(0, TAG_OFFSET);
  const iv = data.subarray(IV_OFFSET, TAG_OFFSET);
  const tag = data.subarray(TAG_OFFSET, HEADER_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch {
    // GCM cannot tell a wrong key from a modified file: say both, and where the key came from.
    throw errors.masterKey(
      `cannot decrypt ${where}: wrong master key, or the file was modified`,
      `the key came from ${keySource}; use the key this store was created with, or restore the file from a backup`,
    );
  }
}
