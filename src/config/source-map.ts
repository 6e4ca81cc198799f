/**
 * Line and column of anything in the file. Positions come from the `yaml` package's
 * Document, parsed only when a position is needed: a valid file read by the fast subset
 * reader never pays for it (every key's own position comes from that reader).
 */
import { createRequire } from 'node:module';
import type { Document, LineCounter, Node, Pair } from 'yaml';
import type { DataPath, Target } from './problems.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/** The `yaml` package, loaded on first use: it costs ~100 ms to load, and a valid file read by the subset reader never needs it. */
export function yaml(): YamlModule {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

export interface LineColumn {
  line: number;
  column: number;
}

export class SourceMap {
  private parsed: { doc: Document.Parsed; lines: LineCounter } | undefined;

  constructor(
    readonly text: string,
    parsed?: { doc: Document.Parsed; lines: LineCounter },
  ) {
    this.parsed = parsed;
  }

  get doc(): Document.Parsed {
    return this.ensure().doc;
  }

  position(offset: number): LineColumn {
    const { line, col } = this.ensure().lines.linePos(offset);
    return { line, column: col };
  }

  /** Where the value at path is (or its field name, for target 'key'); the nearest existing node if it is missing. */
  positionOf(path: DataPath, target: Target = 'value'): LineColumn {
    return this.position(this.offsetOf(path, target));
  }

  offsetOf(path: DataPath, target: Target = 'value'): number {
    const { isMap, isSeq } = yaml();
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      if (isMap(node)) {
        const pair = findPair(node.items, String(segment));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        const last = i === path.length - 1;
        // an empty value (`period:`) has no text of its own: point at its name
        if (last && (target === 'key' || isEmptyScalar(pair.value))) return keyStart ?? offset;
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        node = item;
        offset = rangeStart(item) ?? offset;
      } else break;
    }
    return offset;
  }

  /** The data path of the deepest node at offset (for YAML errors, which come with offsets only). */
  pathAt(offset: number): DataPath {
    const { isMap, isScalar, isSeq } = yaml();
    const path: Array<string | number> = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => contains(p.key, offset) || contains(p.value, offset));
        if (!pair || !isScalar(pair.key)) return path;
        path.push(keyName(pair.key.value));
        if (contains(pair.key, offset)) return path;
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => contains(item, offset));
        if (index === -1) return path;
        path.push(index);
        node = node.items[index];
      } else return path;
    }
  }

  private ensure(): { doc: Document.Parsed; lines: LineCounter } {
    if (!this.parsed) {
      const { LineCounter, parseDocument } = yaml();
      const lines = new LineCounter();
      const doc = parseDocument(this.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
      this.parsed = { doc, lines };
    }
    return this.parsed;
  }
}

function findPair(items: Array<Pair<unknown, unknown>>, key: string): Pair<unknown, unknown> | undefined {
  const { isPair, isScalar } = yaml();
  for (const pair of items) {
    if (isPair(pair) && isScalar(pair.key) && keyName(pair.key.value) === key) return pair;
  }
  return undefined;
}

/** A key as the data shows it: the yaml package reads a merge key `<<` as a symbol. */
function keyName(value: unknown): string {
  return typeof value === 'symbol' ? (value.description ?? '') : String(value);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function contains(node: unknown, offset: number): boolean {
  const range = (node as Node | null | undefined)?.range;
  return !!range && range[0] <= offset && offset < Math.max(range[2], range[0] + 1);
}

function isEmptyScalar(node: unknown): boolean {
  const { isScalar } = yaml();
  return node === null || node === undefined || (isScalar(node) && node.value === null && node.source === '');
}
