/**
 * Alphabets for generated secrets, and unbiased sampling from them: a byte is used only
 * when it falls below the largest multiple of the alphabet's size, so `byte % size` gives
 * every character the same probability (plain modulo would favour the first characters).
 */
import { randomBytes } from 'node:crypto';

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const BASE62 = DIGITS + UPPER + LOWER;

/** ASCII 0x21–0x7e without the quotes that break shells, env files and YAML: " ' ` */
const PRINTABLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
  .filter((c) => !`"'\``.includes(c))
  .join('');

export const NAMED_ALPHABETS: Record<string, string> = {
  base62: BASE62,
  alnum: BASE62,
  hex: '0123456789abcdef',
  base64url: UPPER + LOWER + DIGITS + '-_',
  printable: PRINTABLE,
};

export interface Alphabet {
  /** as written in the spec: base62, hex, custom:… */
  name: string;
  readonly chars: readonly string[];
}

/** Parse `base62` | `alnum` | `hex` | `base64url` | `printable` | `custom:<chars>`; an error string when invalid. */
/** Named alphabets, built once: config load asks for one per key. */
const named = new Map<string, Alphabet>();

export function parseAlphabet(name: string): Alphabet | string {
  const known = named.get(name);
  if (known) return known;
  if (name.startsWith('custom:')) {
    const chars = Array.from(name.slice('custom:'.length));
    if (chars.length < 2) return 'a custom alphabet needs at least 2 characters';
    if (new Set(chars).size !== chars.length) return 'a custom alphabet repeats a character (that would bias the output)';
    if (chars.length > 256) return 'a custom alphabet may hold at most 256 characters';
    return { name, chars };
  }
  const chars = Object.hasOwn(NAMED_ALPHABETS, name) ? NAMED_ALPHABETS[name] : undefined;
  if (!chars) return `unknown alphabet "${name}" (base62, alnum, hex, base64url, printable or custom:<chars>)`;
  const alphabet: Alphabet = Object.freeze({ name, chars: Object.freeze(Array.from(chars)) });
  named.set(name, alphabet);
  return alphabet;
}

/** `length` characters drawn uniformly and independently from the alphabet. */
export function randomString(alphabet: Alphabet, length: number, bytes: (n: number) => Buffer = randomBytes): string {
  const size = alphabet.chars.length;
  const limit = 256 - (256 % size);
  const out: string[] = [];
  while (out.length < length) {
    // ask for a little more than needed: some bytes are rejected
    const batch = bytes(Math.ceil(((length - out.length) * 256) / limit) + 8);
    for (const byte of batch) {
      if (byte >= limit) continue;
      out.push(alphabet.chars[byte % size]!);
      if (out.length === length) break;
    }
  }
  return out.join('');
}

/** True when every character of `value` belongs to the alphabet. */
export function inAlphabet(alphabet: Alphabet, value: string): boolean {
  const allowed = new Set(alphabet.chars);
  return Array.from(value).every((c) => allowed.has(c));
}
