/**
 * The tag encoding a previous keyturn used for its state on a Secrets Manager secret (now in the
 * state secret, state.ts; legacy.ts reads this for the migration).
 * A tag value holds at most 256 characters, so structured values are JSON, base64url-encoded
 * (its alphabet is inside every AWS tag charset) and split across `name`, `name:1`, … The
 * first chunk starts with the chunk count and a dot, so a shorter value written later needs
 * no untag of the stale tail: readers stop at the count.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const TAG_VALUE_MAX = 256;
/** chunk keys removed when a blob is deleted (a blob never grows past this many) */
export const MAX_CHUNKS = 16;

export type Tags = Map<string, string>;

export interface TagPair {
  Key: string;
  Value: string;
}

export function chunkKey(name: string, index: number): string {
  return index === 0 ? name : `${name}:${index}`;
}

export function encodeBlob(name: string, value: unknown, options: { compress?: boolean } = {}): TagPair[] {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const data = (options.compress ? 'z' : 'j') + (options.compress ? deflateRawSync(json) : json).toString('base64url');
  const parts: string[] = [];
  // the header ("12.") shortens the first chunk; 4 characters is enough for MAX_CHUNKS
  for (let offset = 0; offset < data.length; offset += TAG_VALUE_MAX - 4) parts.push(data.slice(offset, offset + TAG_VALUE_MAX - 4));
  if (parts.length > MAX_CHUNKS) throw new RangeError(`${name} needs ${parts.length} tags, more than ${MAX_CHUNKS}`);
  return parts.map((part, i) => ({ Key: chunkKey(name, i), Value: i === 0 ? `${parts.length}.${part}` : part }));
}

export function decodeBlob<T>(tags: Tags, name: string): T | undefined {
  const first = tags.get(name);
  if (first === undefined) return undefined;
  const dot = first.indexOf('.');
  const count = Number(first.slice(0, dot));
  if (dot < 1 || !Number.isInteger(count) || count < 1) return undefined;
  let data = first.slice(dot + 1);
  for (let i = 1; i < count; i += 1) {
    const part = tags.get(chunkKey(name, i));
    // a chunk missing means a write was torn; treat the value as absent rather than guess
    if (part === undefined) return undefined;
    data += part;
  }
  const raw = Buffer.from(data.slice(1), 'base64url');
  const json = data[0] === 'z' ? inflateRawSync(raw) : raw;
  return JSON.parse(json.toString('utf8')) as T;
}

/** Every key a blob may occupy (for UntagResource when it is removed). */
export function blobKeys(name: string): string[] {
  return Array.from({ length: MAX_CHUNKS }, (_, i) => chunkKey(name, i));
}

/** Plain tag values (ids, ISO times) stay readable in the console; anything else is refused. */
export function plainValue(name: string, value: string): string {
  if (value.length > TAG_VALUE_MAX || !/^[\p{L}\p{N}\s+\-=._:/@]*$/u.test(value)) {
    throw new RangeError(`${name} is not a valid tag value`);
  }
  return value;
}
