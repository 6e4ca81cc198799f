/**
 * What counts as a leak of a multi-line secret: any piece of its body at least
 * FRAGMENT_LENGTH long, raw, URL-encoded, in hex, or in base64/base64url at any alignment
 * (measured in encoded characters that stand for that many characters of the secret).
 */
import { FRAGMENT_LENGTH } from '../../src/log/redactor.js';

export function pemBody(pem: string): string[] {
  return pem
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('-----'));
}

/** Every forbidden window found in the text, as `form: window` (empty: no leak). */
export function leaksOf(pem: string, text: string): string[] {
  const forbidden = new Map<number, Map<string, string>>();
  const forbid = (form: string, encoded: string, size: number) => {
    if (!forbidden.has(size)) forbidden.set(size, new Map());
    for (let i = 0; i + size <= encoded.length; i++) forbidden.get(size)!.set(encoded.slice(i, i + size), form);
  };
  const b64 = Math.ceil((FRAGMENT_LENGTH * 4) / 3);
  for (const line of pemBody(pem)) {
    forbid('raw', line, FRAGMENT_LENGTH);
    forbid('url', encodeURIComponent(line), FRAGMENT_LENGTH);
    forbid('hex', Buffer.from(line).toString('hex'), FRAGMENT_LENGTH * 2);
    for (let skip = 0; skip < 3; skip++) {
      const encoded = Buffer.from(line).subarray(skip).toString('base64').replace(/=+$/, '');
      // the last group of the encoding depends on what follows the line: not the line's alone
      const stable = encoded.slice(0, encoded.length - (encoded.length % 4));
      forbid('base64', stable, b64);
      forbid('base64url', stable.replace(/\+/g, '-').replace(/\//g, '_'), b64);
    }
  }
  const found: string[] = [];
  for (const [size, windows] of forbidden) {
    for (let i = 0; i + size <= text.length; i++) {
      const form = windows.get(text.slice(i, i + size));
      if (form) found.push(`${form}: ${text.slice(i, i + size)}`);
    }
  }
  return found;
}
