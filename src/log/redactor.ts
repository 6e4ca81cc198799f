/**
 * Every secret value a run has seen is registered here, and every byte keyturn writes
 * (logs at any level, tables, JSON, errors, captured child output) passes through redact().
 *
 * What is masked (docs/architecture.md, "Redaction"):
 * - a secret of at least FRAGMENT_LENGTH characters: any piece of it at least that long, in
 *   the forms a tool may print it (raw, JSON-escaped, URL-encoded, base64 and base64url at
 *   all three byte alignments, hex), so a cut-off line or the base64 of a fragment is caught;
 *   each line of a multi-line secret (a PEM body) and its lines joined count as the secret;
 * - a secret of 6 to 11 characters: wherever it appears whole, in the same forms;
 * - a secret of 4 or 5 characters (a PIN): only as a whole token, between non-word characters;
 * - a secret of 1 to 3 characters: only as a whole value (a string field, a JSON string value).
 */
import { GramIndex, mergeSpans, type Span } from './gram-index.js';

export const REDACTED = '[REDACTED]';

/**
 * A piece of a secret this long is masked wherever it appears. 12 random base64 characters
 * are 72 bits, far beyond guessing, yet 12 characters of a passphrase rarely occur in
 * ordinary output by chance; shorter pieces would start masking words, ids and numbers.
 */
export const FRAGMENT_LENGTH = 12;
/** Below this a secret is masked only as a whole token or value: as a substring it would mask ordinary words. */
const MIN_SUBSTRING_LENGTH = 6;
/** 4- and 5-character secrets (PINs) are masked as whole tokens; shorter ones only as whole values. */
const MIN_TOKEN_LENGTH = 4;

/** The run of matching characters each kind of form needs, so a masked run always stands for FRAGMENT_LENGTH bytes of the secret. */
const MIN_RUN = { text: FRAGMENT_LENGTH, base64: Math.ceil((FRAGMENT_LENGTH * 4) / 3), hex: FRAGMENT_LENGTH * 2 };

/** PEM armor lines (-----BEGIN PRIVATE KEY-----) name the format; the secret is the body. */
const ARMOR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

export class Redactor {
  private readonly seen = new Set<string>();
  /** by window size: FRAGMENT_LENGTH for pieces of long forms, the whole length for short ones */
  private readonly indexes = new Map<number, GramIndex>();
  private readonly shortValues = new Set<string>();
  private shortPattern: RegExp | null | undefined;
  private forms = 0;

  /** Register secret values (and their common encodings) for redaction. */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.trim() === '' || this.seen.has(value)) continue;
      this.seen.add(value);
      const whole = value.trim();
      if (whole.length < MIN_SUBSTRING_LENGTH) {
        this.shortValues.add(whole);
        this.shortPattern = undefined;
        continue;
      }
      for (const part of secretParts(value)) {
        for (const [kind, form] of encodings(part)) this.index(kind, form);
      }
    }
  }

  addMaterial(material: Record<string, string> | undefined): void {
    if (material) this.add(...Object.values(material));
  }

  /** how many forms are registered (0: redact is a no-op) */
  get size(): number {
    return this.forms + this.shortValues.size;
  }

  redact(text: string): string {
    if (this.size === 0 || text.length === 0) return text;
    if (this.shortValues.has(text.trim())) return REDACTED;
    const spans: Span[] = [];
    for (const index of this.indexes.values()) index.find(text, spans);
    const short = this.compileShort();
    if (short) for (const match of text.matchAll(short)) spans.push([match.index, match.index + match[0].length]);
    if (spans.length === 0) return text;
    let out = '';
    let at = 0;
    for (const [start, end] of mergeSpans(spans)) {
      out += text.slice(at, start) + REDACTED;
      at = end;
    }
    return out + text.slice(at);
  }

  /** Deep copy of a value with every string redacted. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item)) as T;
    if (value && typeof value === 'object') {
      if (value instanceof Error) return this.redact(value.message) as T;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }

  /** Pieces of long forms share one window size, so one pass finds them all; a short form is its own window. */
  private index(kind: keyof typeof MIN_RUN, form: string): void {
    if (form.length < MIN_SUBSTRING_LENGTH) return;
    const k = Math.min(form.length, FRAGMENT_LENGTH);
    let index = this.indexes.get(k);
    if (!index) this.indexes.set(k, (index = new GramIndex(k)));
    if (index.add(form, MIN_RUN[kind])) this.forms++;
  }

  /** 4–5 characters: a whole token; any short secret: a whole JSON string value ("pin": "42"). */
  private compileShort(): RegExp | null {
    if (this.shortPattern !== undefined) return this.shortPattern;
    const alternatives: string[] = [];
    for (const value of this.shortValues) {
      const json = escapeRegExp(JSON.stringify(value).slice(1, -1));
      alternatives.push(`(?<=:\\s*")${json}(?=")`);
      if (value.length >= MIN_TOKEN_LENGTH) alternatives.push(`(?<![A-Za-z0-9_])${escapeRegExp(value)}(?![A-Za-z0-9_])`);
    }
    this.shortPattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : null;
    return this.shortPattern;
  }
}

/**
 * The texts of a secret that must never appear: the value itself, and for a multi-line
 * value its body without PEM armor, each line, and the lines joined (a re-wrapped key).
 */
export function secretParts(value: string): string[] {
  const parts = new Set([value.trim()]);
  if (/[\r\n]/.test(value)) {
    const lines = value
      .split(/\r?\n|\r/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !ARMOR.test(line));
    parts.clear();
    parts.add(lines.join('\n'));
    parts.add(lines.join(''));
    for (const line of lines) parts.add(line);
  }
  return [...parts].filter((part) => part.length >= MIN_SUBSTRING_LENGTH);
}

/** Each part as a tool might print it. Pieces of a long part are caught by the index, so
 * base64 is taken at every byte alignment: the base64 of any fragment is then a piece of one. */
export function encodings(part: string): Array<[keyof typeof MIN_RUN, string]> {
  const forms: Array<[keyof typeof MIN_RUN, string]> = [['text', part]];
  const json = JSON.stringify(part).slice(1, -1);
  forms.push(['text', json], ['text', JSON.stringify(json).slice(1, -1)]);
  const uri = encodeURIComponent(part);
  forms.push(['text', uri], ['text', uri.replace(/%20/g, '+')]);
  const bytes = Buffer.from(part, 'utf8');
  const alignments = part.length >= FRAGMENT_LENGTH ? 3 : 1;
  for (let skip = 0; skip < alignments; skip++) {
    const base64 = bytes.subarray(skip).toString('base64').replace(/=+$/, '');
    // the last group of a shifted encoding mixes in bits of whatever follows the fragment
    const stable = skip === 0 ? base64 : base64.slice(0, base64.length - (base64.length % 4));
    forms.push(['base64', stable], ['base64', stable.replace(/\+/g, '-').replace(/\//g, '_')]);
  }
  const hex = bytes.toString('hex');
  forms.push(['hex', hex], ['hex', hex.toUpperCase()]);
  return forms.filter(([, form], i) => forms.findIndex(([, other]) => other === form) === i);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
