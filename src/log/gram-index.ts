/**
 * Every window of k characters of the registered forms, looked up in a text with a rolling
 * hash: one pass over the text whatever the number of forms, so redacting megabytes of
 * output against dozens of secrets stays fast. A form may ask for a longer run of matching
 * windows than k before it counts (an encoding whose k characters stand for less of a secret).
 * `keyturn scan` uses the same index another way: it indexes only the first window of each
 * form and asks `each` for every position a form may start at (src/scan/matcher.ts).
 */

/** [start, end) of a text to mask */
export type Span = [number, number];

const BASE = 0x01000193;
/** a bitmap of hashes: most windows of ordinary text are rejected without a Map lookup */
const FILTER_BITS = 1 << 20;

export class GramIndex {
  /**
   * hash → the windows with that hash, each packed as form index × 2^29 + offset (one number,
   * or several on a collision). Packing keeps adding a secret's forms (on every rotation) to
   * integer Map entries, without a string or a Map per window.
   */
  private readonly windows = new Map<number, number | number[]>();
  /** the indexed forms, by index, and the run each needs (the window's smallest wins) */
  private readonly forms: string[] = [];
  private readonly runs: number[] = [];
  private readonly filter: Uint32Array;
  /** filter bits - 1 (a power of two) */
  private readonly mask: number;
  /** BASE^(k-1) mod 2^32, to roll the leading character out */
  private readonly lead: number;

  /** `filterBits`: a power of two; more bits, fewer Map lookups for an index of many windows (scan) */
  constructor(
    readonly k: number,
    filterBits = FILTER_BITS,
  ) {
    this.filter = new Uint32Array(Math.max(32, filterBits) >>> 5);
    this.mask = Math.max(32, filterBits) - 1;
    let lead = 1;
    for (let i = 1; i < k; i++) lead = Math.imul(lead, BASE);
    this.lead = lead;
  }

  /** Index every window of the form; false if the form brought nothing new. */
  add(form: string, minRun = this.k): boolean {
    const { k } = this;
    if (form.length < k) return false;
    const run = Math.min(minRun, form.length);
    const id = this.forms.length;
    let added = false;
    let hash = hashOf(form, k);
    for (let i = 0; ; i++) {
      const known = this.lookup(hash, form, i);
      if (known < 0) {
        const packed = id * OFFSETS + i;
        const bucket = this.windows.get(hash & SMALL);
        if (bucket === undefined) this.windows.set(hash & SMALL, packed);
        else if (typeof bucket === 'number') this.windows.set(hash & SMALL, [bucket, packed]);
        else bucket.push(packed);
        this.filter[(hash & this.mask) >>> 5]! |= 1 << (hash & 31);
        added = true;
      } else if (run < this.runs[Math.floor(known / OFFSETS)]!) {
        // the same window in a form that counts sooner: that form's run now applies to it
        this.windows.set(hash & SMALL, replaced(this.windows.get(hash & SMALL)!, known, id * OFFSETS + i));
        added = true;
      }
      if (i + k >= form.length) break;
      hash = (Math.imul((hash - Math.imul(form.charCodeAt(i), this.lead)) | 0, BASE) + form.charCodeAt(i + k)) | 0;
    }
    if (added) {
      this.forms.push(form);
      this.runs.push(run);
    }
    return added;
  }

  /** The indexed window equal to text[at, at + k) with that hash, packed; -1 if none (no allocation: this runs per hit). */
  private lookup(hash: number, text: string, at: number): number {
    const bucket = this.windows.get(hash & SMALL);
    if (bucket === undefined) return -1;
    if (typeof bucket === 'number') return this.same(bucket, text, at) ? bucket : -1;
    for (const packed of bucket) if (this.same(packed, text, at)) return packed;
    return -1;
  }

  private same(packed: number, text: string, at: number): boolean {
    const form = this.forms[Math.floor(packed / OFFSETS)];
    // a window of the form being added (not in `forms` yet) is never a match: it is new
    if (form === undefined) return false;
    const offset = packed % OFFSETS;
    for (let j = 0; j < this.k; j++) if (form.charCodeAt(offset + j) !== text.charCodeAt(at + j)) return false;
    return true;
  }

  /** Append to `spans` every run of indexed windows in the text that is long enough to count. */
  find(text: string, spans: Span[]): void {
    const { k, lead, filter, runs, mask } = this;
    if (text.length < k) return;
    let hash = hashOf(text, k);
    let start = -1;
    let end = -1;
    let needed = Infinity;
    const close = () => {
      if (start >= 0 && end - start >= needed) spans.push([start, end]);
      start = -1;
      needed = Infinity;
    };
    for (let i = 0; ; i++) {
      if ((filter[(hash & mask) >>> 5]! & (1 << (hash & 31))) !== 0) {
        const hit = this.lookup(hash, text, i);
        if (hit >= 0) {
          const run = runs[Math.floor(hit / OFFSETS)]!;
          // overlapping hits make one run
          if (start < 0 || i > end) {
            close();
            start = i;
          }
          end = i + k;
          needed = Math.min(needed, run);
        }
      }
      if (i + k >= text.length) return close();
      // rolled inline: this loop runs once per character of every text keyturn writes
      hash = (Math.imul((hash - Math.imul(text.charCodeAt(i), lead)) | 0, BASE) + text.charCodeAt(i + k)) | 0;
    }
  }

  /**
   * Every position of `text` whose k characters are an indexed window, in order: one pass,
   * whatever the number of windows. The caller checks what starts there.
   */
  each(text: string, onHit: (at: number, window: string) => void): void {
    const { k, lead, filter, mask } = this;
    if (text.length < k) return;
    let hash = hashOf(text, k);
    const last = text.length - k;
    for (let i = 0; ; i++) {
      if ((filter[(hash & mask) >>> 5]! & (1 << (hash & 31))) !== 0) {
        if (this.lookup(hash, text, i) >= 0) onHit(i, text.slice(i, i + k));
      }
      if (i >= last) return;
      hash = (Math.imul((hash - Math.imul(text.charCodeAt(i), lead)) | 0, BASE) + text.charCodeAt(i + k)) | 0;
    }
  }
}

/** Map keys kept to V8's small integers (31 bits): a full 32-bit hash would be boxed as a heap number on every lookup */
const SMALL = 0x3fffffff;
/** offsets fit below 2^29 (V8's longest string), so form × 2^29 + offset stays exact for 2^24 forms */
const OFFSETS = 2 ** 29;

function replaced(bucket: number | number[], from: number, to: number): number | number[] {
  return typeof bucket === 'number' ? to : bucket.map((p) => (p === from ? to : p));
}

function hashOf(text: string, k: number): number {
  let hash = 0;
  for (let i = 0; i < k; i++) hash = (Math.imul(hash, BASE) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Sorted, overlapping or touching spans merged: each maximal covered stretch is masked once. */
export function mergeSpans(spans: Span[]): Span[] {
  const sorted = spans.slice().sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Span[] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
