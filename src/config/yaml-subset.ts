/**
 * A fast reader for the plain subset of YAML that rotation.yaml files are written in:
 * block mappings and sequences, one-line flow collections, plain and quoted one-line
 * scalars, comments. The `yaml` package reads about 2 MB/s, so a 10,000-key file would
 * take two seconds; this reader takes a tenth of that, mostly by allocating nothing but
 * the values it returns (it works on offsets into the text, not on line strings).
 *
 * It never guesses: on anything outside the subset (anchors, tags, block scalars,
 * multi-line scalars or flow collections, duplicate keys, tabs in indentation, any syntax
 * error) it returns undefined and the caller parses with the `yaml` package, which also
 * produces the positioned error messages. Scalars resolve exactly as the `yaml` package's
 * default YAML 1.2 core schema resolves them. Separators are YAML's white space, space and
 * tab alike (never NBSP or other Unicode spaces, which are content). Exactness is tested
 * against the `yaml` package on 60,000 generated documents (test/config/yaml-differential.test.ts).
 * Kept over js-yaml because it is faster by ~450 ms on the 10,000-key file (npm run bench:yaml).
 */

import { MAX_NESTING } from './yaml-hazards.js';

export interface SubsetPosition {
  /** 1-based, as the `yaml` package's LineCounter reports them */
  line: number;
  column: number;
}

export interface SubsetResult {
  value: Record<string, unknown>;
  /** position of each item of the top-level `keys` sequence that is a mapping (by index) */
  keyItems: Array<SubsetPosition | undefined>;
}

/** Thrown (never escapes) when the text leaves the subset. Preallocated: no stack capture. */
const OUTSIDE = { outside: true };
function outside(): never {
  throw OUTSIDE;
}

export function parseYamlSubset(source: string): SubsetResult | undefined {
  try {
    return new SubsetReader(source).read();
  } catch (error) {
    if (error === OUTSIDE) return undefined;
    throw error;
  }
}

const TAB = 9;
const SPACE = 32;
const DQUOTE = 34;
const HASH = 35;
const SQUOTE = 39;
const COMMA = 44;
const DASH = 45;
const COLON = 58;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}
/** Characters that cannot start a plain scalar (quotes and flow openers are read separately). */
const PLAIN_START_FORBIDDEN = table('-?:,[]{}#&*!|>\'"%@`');
/** Characters this reader does not accept in a plain mapping key (legal YAML, all unusual). */
const KEY_FORBIDDEN = table('[]{},"\'#&*!|>%@`\t');
const FLOW_END = table(',[]{}');

const isBlank = (code: number): boolean => code === SPACE || code === TAB;

class SubsetReader {
  private readonly src: string;
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  /** column of the first content character; -1 for blank and comment-only lines */
  private readonly indent: Int32Array;
  private readonly count: number;
  private readonly keyItems: Array<SubsetPosition | undefined> = [];
  /** set by every block reader: the first line after what it read */
  private following = 0;
  /** set by every scalar and flow reader: the offset after what it read */
  private after = 0;
  /** collections open around the one being read */
  private depth = 0;

  constructor(source: string) {
    if (source.charCodeAt(0) === 0xfeff) outside();
    let src = source;
    if (src.includes('\r')) {
      src = src.replace(/\r\n/g, '\n');
      if (src.includes('\r')) outside();
    }
    this.src = src;
    let count = 1;
    for (let i = src.indexOf('\n'); i !== -1; i = src.indexOf('\n', i + 1)) count++;
    this.count = count;
    this.start = new Int32Array(count);
    this.end = new Int32Array(count);
    this.indent = new Int32Array(count);
    let from = 0;
    for (let n = 0; n < count; n++) {
      let to = src.indexOf('\n', from);
      if (to === -1) to = src.length;
      this.start[n] = from;
      this.end[n] = to;
      let i = from;
      while (src.charCodeAt(i) === SPACE) i++;
      const c = i < to ? src.charCodeAt(i) : -1;
      if (c === TAB) {
        // a tab before a comment or at the end of a line is harmless; in indentation it is not
        let j = i;
        while (j < to && isBlank(src.charCodeAt(j))) j++;
        if (j < to && src.charCodeAt(j) !== HASH) outside();
        this.indent[n] = -1;
      } else this.indent[n] = c === -1 || c === HASH ? -1 : i - from;
      from = to + 1;
    }
  }

  read(): SubsetResult {
    const src = this.src;
    let first = this.next(0);
    if (first < this.count && src.startsWith('---', this.start[first]!)) {
      const p = this.start[first]! + 3;
      if (p < this.end[first]! && src.charCodeAt(p) !== SPACE) outside();
      if (!this.restIsEmpty(p, this.end[first]!)) outside();
      first = this.next(first + 1);
    }
    if (first >= this.count || this.indent[first] !== 0 || this.isSeqItem(first)) outside();
    const value = this.map(first, 0, true);
    if (this.following < this.count) outside();
    return { value, keyItems: this.keyItems };
  }

  /**
   * Deeper than MAX_NESTING is left to the `yaml` package path, which refuses it with a position
   * (and this reader's recursion stays shallow).
   */
  private enter(): void {
    if (++this.depth > MAX_NESTING) outside();
  }

  private leave<T>(value: T): T {
    this.depth--;
    return value;
  }

  /** index of the next line with content at or after n */
  private next(n: number): number {
    while (n < this.count && this.indent[n] === -1) n++;
    return n;
  }

  private isSeqItem(n: number): boolean {
    const p = this.start[n]! + this.indent[n]!;
    return this.src.charCodeAt(p) === DASH && (p + 1 === this.end[n] || isBlank(this.src.charCodeAt(p + 1)));
  }

  /** A block node starting on line n at its indentation. */
  private block(n: number, positions?: Array<SubsetPosition | undefined>): unknown {
    const column = this.indent[n]!;
    if (this.isSeqItem(n)) return this.seq(n, column, positions);
    return this.map(n, column, false);
  }

  private map(first: number, column: number, root: boolean): Record<string, unknown> {
    this.enter();
    const src = this.src;
    const result: Record<string, unknown> = {};
    let n = first;
    for (;;) {
      const lineEnd = this.end[n]!;
      const key = this.key(this.start[n]! + column, lineEnd);
      if (key === undefined) outside();
      if (key === '__proto__' || key === '<<' || Object.prototype.hasOwnProperty.call(result, key)) outside();
      const j = this.skip(this.after, lineEnd);
      let value: unknown;
      if (j >= lineEnd || src.charCodeAt(j) === HASH) {
        const m = this.next(n + 1);
        const positions = root && key === 'keys' ? this.keyItems : undefined;
        if (m < this.count && this.indent[m]! > column) value = this.block(m, positions);
        else if (m < this.count && this.indent[m] === column && this.isSeqItem(m)) value = this.seq(m, column, positions);
        else {
          value = null;
          this.following = m;
        }
      } else {
        value = this.inline(j, lineEnd);
        this.following = this.next(n + 1);
        if (this.following < this.count && this.indent[this.following]! > column) outside();
      }
      result[key] = value;
      const following = this.following;
      if (following >= this.count || this.indent[following]! < column) return this.leave(result);
      if (this.indent[following]! > column || this.isSeqItem(following)) outside();
      n = following;
    }
  }

  private seq(first: number, column: number, positions?: Array<SubsetPosition | undefined>): unknown[] {
    this.enter();
    const src = this.src;
    const result: unknown[] = [];
    let n = first;
    for (;;) {
      const lineStart = this.start[n]!;
      const lineEnd = this.end[n]!;
      const j = this.skip(lineStart + column + 1, lineEnd);
      // a tab may separate `-` from a scalar, but never indent a block collection
      let tabbed = false;
      for (let t = lineStart + column + 1; t < j; t++) if (src.charCodeAt(t) === TAB) tabbed = true;
      let value: unknown;
      if (j >= lineEnd || src.charCodeAt(j) === HASH) {
        const m = this.next(n + 1);
        if (m < this.count && this.indent[m]! > column) value = this.block(m);
        else {
          value = null;
          this.following = m;
        }
      } else if (src.charCodeAt(j) === DASH && (j + 1 === lineEnd || isBlank(src.charCodeAt(j + 1)))) {
        outside();
      } else if (this.key(j, lineEnd) !== undefined) {
        if (tabbed) outside();
        if (positions) positions[result.length] = { line: n + 1, column: j - lineStart + 1 };
        value = this.map(n, j - lineStart, false);
      } else {
        value = this.inline(j, lineEnd);
        this.following = this.next(n + 1);
        if (this.following < this.count && this.indent[this.following]! > column) outside();
      }
      result.push(value);
      const following = this.following;
      if (following >= this.count || this.indent[following]! < column) return this.leave(result);
      if (this.indent[following]! > column) outside();
      if (!this.isSeqItem(following)) return this.leave(result);
      n = following;
    }
  }

  /** A block mapping key at offset i: the key (this.after: past its colon), or undefined if the line is no entry. */
  private key(i: number, lineEnd: number): string | undefined {
    const src = this.src;
    const c = src.charCodeAt(i);
    if (c === DQUOTE || c === SQUOTE) {
      const key = c === DQUOTE ? this.doubleQuoted(i, lineEnd) : this.singleQuoted(i, lineEnd);
      let k = this.after;
      while (src.charCodeAt(k) === SPACE) k++;
      if (k >= lineEnd || src.charCodeAt(k) !== COLON || !(k + 1 === lineEnd || isBlank(src.charCodeAt(k + 1)))) return undefined;
      this.after = k + 1;
      return key;
    }
    // a flow collection, an anchor, a tag, a block scalar …: not a key this reader accepts
    if (c < 128 && PLAIN_START_FORBIDDEN[c] === 1) return undefined;
    let forbidden = false;
    for (let k = i; k < lineEnd; k++) {
      const code = src.charCodeAt(k);
      if (code === HASH && isBlank(src.charCodeAt(k - 1))) return undefined;
      if (code === COLON && (k + 1 === lineEnd || isBlank(src.charCodeAt(k + 1)))) {
        let e = k;
        while (e > i && src.charCodeAt(e - 1) === SPACE) e--;
        if (e === i || forbidden) outside();
        const raw = src.slice(i, e);
        if (typeof resolvePlain(raw) !== 'string') outside();
        this.after = k + 1;
        return raw;
      }
      if (code < 128 && KEY_FORBIDDEN[code] === 1) forbidden = true;
    }
    return undefined;
  }

  /** A value that starts at offset j and ends on its line. */
  private inline(j: number, lineEnd: number): unknown {
    const src = this.src;
    const c = src.charCodeAt(j);
    let value: unknown;
    if (c === DQUOTE) value = this.doubleQuoted(j, lineEnd);
    else if (c === SQUOTE) value = this.singleQuoted(j, lineEnd);
    else if (c === LBRACKET || c === LBRACE) value = this.flow(j, lineEnd);
    else {
      if (c < 128 && PLAIN_START_FORBIDDEN[c] === 1 && !this.dashStartsPlain(j, lineEnd, false)) outside();
      let k = j;
      for (; k < lineEnd; k++) {
        const code = src.charCodeAt(k);
        if (code === HASH && isBlank(src.charCodeAt(k - 1))) break;
        if (code === COLON) {
          const after = k + 1 < lineEnd ? src.charCodeAt(k + 1) : SPACE;
          if (isBlank(after)) outside();
        }
      }
      while (k > j && isBlank(src.charCodeAt(k - 1))) k--;
      return resolvePlain(src.slice(j, k));
    }
    if (!this.restIsEmpty(this.after, lineEnd)) outside();
    return value;
  }

  /** Only blanks, or blanks and a comment, from offset k to the end of the line. */
  private restIsEmpty(k: number, lineEnd: number): boolean {
    let i = k;
    while (i < lineEnd && isBlank(this.src.charCodeAt(i))) i++;
    if (i >= lineEnd) return true;
    return this.src.charCodeAt(i) === HASH && i > k;
  }

  /** Past the separator at k: spaces and tabs alike (YAML's s-white). */
  private skip(k: number, lineEnd: number): number {
    while (k < lineEnd && isBlank(this.src.charCodeAt(k))) k++;
    return k;
  }

  /** A one-line flow collection or scalar at offset k (this.after: past it). */
  private flow(start: number, lineEnd: number): unknown {
    const src = this.src;
    const k = this.skip(start, lineEnd);
    if (k >= lineEnd) outside();
    const c = src.charCodeAt(k);
    if (c === LBRACKET) {
      this.enter();
      const items: unknown[] = [];
      let p = this.skip(k + 1, lineEnd);
      if (src.charCodeAt(p) === RBRACKET) {
        this.after = p + 1;
        return this.leave(items);
      }
      for (;;) {
        items.push(this.flow(p, lineEnd));
        p = this.skip(this.after, lineEnd);
        const sep = p < lineEnd ? src.charCodeAt(p) : -1;
        if (sep === COMMA) {
          p = this.skip(p + 1, lineEnd);
          if (src.charCodeAt(p) === RBRACKET && p < lineEnd) {
            this.after = p + 1;
            return this.leave(items);
          }
          continue;
        }
        if (sep === RBRACKET) {
          this.after = p + 1;
          return this.leave(items);
        }
        outside();
      }
    }
    if (c === LBRACE) {
      this.enter();
      const map: Record<string, unknown> = {};
      let p = this.skip(k + 1, lineEnd);
      if (src.charCodeAt(p) === RBRACE && p < lineEnd) {
        this.after = p + 1;
        return this.leave(map);
      }
      for (;;) {
        const key = this.flowScalar(p, lineEnd, true);
        if (typeof key !== 'string' || key === '__proto__' || key === '<<' || Object.prototype.hasOwnProperty.call(map, key)) outside();
        p = this.skip(this.after, lineEnd);
        if (p >= lineEnd || src.charCodeAt(p) !== COLON) outside();
        p = this.skip(p + 1, lineEnd);
        let value: unknown = null;
        const at = p < lineEnd ? src.charCodeAt(p) : -1;
        if (at !== COMMA && at !== RBRACE) {
          value = this.flow(p, lineEnd);
          p = this.after;
        }
        map[key] = value;
        p = this.skip(p, lineEnd);
        const sep = p < lineEnd ? src.charCodeAt(p) : -1;
        if (sep === COMMA) {
          p = this.skip(p + 1, lineEnd);
          if (p < lineEnd && src.charCodeAt(p) === RBRACE) {
            this.after = p + 1;
            return this.leave(map);
          }
          continue;
        }
        if (sep === RBRACE) {
          this.after = p + 1;
          return this.leave(map);
        }
        outside();
      }
    }
    return this.flowScalar(k, lineEnd, false);
  }

  /** A scalar inside a flow collection; a plain one ends at a flow indicator or ": ". */
  private flowScalar(k: number, lineEnd: number, isKey: boolean): unknown {
    const src = this.src;
    if (k >= lineEnd) outside();
    const c = src.charCodeAt(k);
    if (c === DQUOTE) return this.doubleQuoted(k, lineEnd);
    if (c === SQUOTE) return this.singleQuoted(k, lineEnd);
    if (c < 128 && PLAIN_START_FORBIDDEN[c] === 1 && (isKey || !this.dashStartsPlain(k, lineEnd, true))) outside();
    let p = k;
    for (; p < lineEnd; p++) {
      const ch = src.charCodeAt(p);
      if (ch === COMMA || ch === RBRACKET || ch === RBRACE) break;
      if (ch === LBRACKET || ch === LBRACE) outside();
      if (ch === HASH && isBlank(src.charCodeAt(p - 1))) outside();
      if (ch === COLON) {
        const after = p + 1 < lineEnd ? src.charCodeAt(p + 1) : SPACE;
        if (isBlank(after) || (after < 128 && FLOW_END[after] === 1)) {
          if (!isKey) outside();
          break;
        }
      }
      if (isKey && ch < 128 && KEY_FORBIDDEN[ch] === 1) outside();
    }
    let e = p;
    while (e > k && isBlank(src.charCodeAt(e - 1))) e--;
    if (e === k) outside();
    this.after = p;
    return resolvePlain(src.slice(k, e));
  }

  /** `-5`, `--port`: a dash starts a plain scalar when a safe character follows it. */
  private dashStartsPlain(k: number, lineEnd: number, inFlow: boolean): boolean {
    if (this.src.charCodeAt(k) !== DASH || k + 1 >= lineEnd) return false;
    const next = this.src.charCodeAt(k + 1);
    if (isBlank(next)) return false;
    return !inFlow || !(next < 128 && FLOW_END[next] === 1);
  }

  private doubleQuoted(i: number, lineEnd: number): string {
    const src = this.src;
    const close = src.indexOf('"', i + 1);
    if (close === -1 || close >= lineEnd) outside();
    let escaped = false;
    for (let k = i + 1; k < close; k++) {
      if (src.charCodeAt(k) === BACKSLASH) {
        escaped = true;
        break;
      }
    }
    if (!escaped) {
      this.after = close + 1;
      return src.slice(i + 1, close);
    }
    let out = '';
    let k = i + 1;
    for (;;) {
      if (k >= lineEnd) outside();
      const code = src.charCodeAt(k);
      if (code === DQUOTE) {
        this.after = k + 1;
        return out;
      }
      if (code !== BACKSLASH) {
        out += src[k];
        k++;
        continue;
      }
      if (k + 1 >= lineEnd) outside();
      const escape = src[k + 1]!;
      const simple = ESCAPES[escape];
      if (simple !== undefined) {
        out += simple;
        k += 2;
        continue;
      }
      const digits = HEX_LENGTH[escape];
      if (digits === undefined || k + 2 + digits > lineEnd) outside();
      const hex = src.slice(k + 2, k + 2 + digits);
      if (!/^[0-9a-fA-F]+$/.test(hex)) outside();
      const point = parseInt(hex, 16);
      if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) outside();
      out += String.fromCodePoint(point);
      k += 2 + digits;
    }
  }

  private singleQuoted(i: number, lineEnd: number): string {
    const src = this.src;
    let out = '';
    let k = i + 1;
    for (;;) {
      const close = src.indexOf("'", k);
      if (close === -1 || close >= lineEnd) outside();
      out += src.slice(k, close);
      if (close + 1 < lineEnd && src.charCodeAt(close + 1) === SQUOTE) {
        out += "'";
        k = close + 2;
        continue;
      }
      this.after = close + 1;
      return out;
    }
  }
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  '\t': '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** The `yaml` package's core schema (YAML 1.2), tested in the order it tests its tags. */
export function resolvePlain(raw: string): unknown {
  const c = raw.charCodeAt(0);
  if (Number.isNaN(c)) return null;
  // ~ n N
  if (c === 126 || c === 110 || c === 78) return raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL' ? null : raw;
  // t T
  if (c === 116 || c === 84) return raw === 'true' || raw === 'True' || raw === 'TRUE' ? true : raw;
  // f F
  if (c === 102 || c === 70) return raw === 'false' || raw === 'False' || raw === 'FALSE' ? false : raw;
  // digits + - . : the tests below are disjoint, so the last character picks which can apply
  // (durations like 30d or 500ms, the commonest of these, then cost no regex at all)
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    const last = raw.charCodeAt(raw.length - 1);
    if (last >= 48 && last <= 57) {
      if (/^[-+]?[0-9]+$/.test(raw)) return parseInt(raw, 10);
      if (/^0o[0-7]+$/.test(raw)) return parseInt(raw.slice(2), 8);
      if (/^0x[0-9a-fA-F]+$/.test(raw)) return parseInt(raw.slice(2), 16);
      if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(raw)) return parseFloat(raw);
      if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(raw)) return parseFloat(raw);
    } else if (last === 46) {
      if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(raw)) return parseFloat(raw);
    } else if ((last >= 97 && last <= 102) || (last >= 65 && last <= 70)) {
      // a-f A-F: hex digits, and the f of .inf
      if (/^0x[0-9a-fA-F]+$/.test(raw)) return parseInt(raw.slice(2), 16);
      if (/^[-+]?\.(?:inf|Inf|INF)$/.test(raw)) return raw[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    } else if (last === 110 || last === 78) {
      if (raw === '.nan' || raw === '.NaN' || raw === '.NAN') return NaN;
    }
  }
  return raw;
}
