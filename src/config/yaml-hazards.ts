/**
 * What the `yaml` package parses without an error but cannot turn into data keyturn can
 * walk: an alias with no anchor before it, an alias inside the value it names (a cycle,
 * which later stages would recurse into forever), a merge (`<<`) of something that is not
 * a mapping, nesting deeper than any rotation.yaml needs (directly or through aliases).
 * Each becomes a problem at the offending node, so the file is refused with a position
 * (exit 2) instead of an exception from toJS or a stack overflow later on.
 */
import type { Document, Node } from 'yaml';
import type { DataPath, ProblemList } from './problems.js';
import { yaml, type SourceMap } from './source-map.js';

/** rotation.yaml needs about 6 levels; deeper is a mistake or an attack on the stack */
export const MAX_NESTING = 64;

export interface Hazards {
  /** a problem was reported: the document must not be turned into data */
  found: boolean;
  /** the alias that expands to the most nodes (where an "excessive alias count" is shown) */
  largestAlias?: { offset: number; nodes: number };
}

export function findYamlHazards(doc: Document.Parsed, source: SourceMap, problems: ProblemList): Hazards {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
  const anchors = new Map<string, Node>();
  /** height and expanded size of each anchored node, known once its walk is done */
  const measured = new Map<Node, { height: number; nodes: number }>();
  const result: Hazards = { found: false };
  const report = (offset: number, message: string, hint: string): void => {
    problems.addAt(offset, nestingPath(source.pathAt(offset)), message, hint);
    result.found = true;
  };

  // with `merge: true` the yaml package reads a plain `<<` key as a symbol
  const isMergeKey = (key: unknown): boolean =>
    isScalar(key) &&
    (key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<')) &&
    (!key.type || key.type === 'PLAIN');
  const isMapLike = (node: unknown): boolean => isMap(node) || (isAlias(node) && isMap(anchors.get(node.source)));

  /** Pre-order, as the yaml package resolves aliases; the recursion never goes deeper than MAX_NESTING + 1. */
  function walk(node: unknown, depth: number): { height: number; nodes: number } {
    if (node === null || node === undefined) return { height: 0, nodes: 0 };
    const offset = (node as Node).range?.[0] ?? 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        report(
          offset,
          `alias \`*${node.source}\` has no anchor \`&${node.source}\` before it`,
          'an anchor must come before every alias of it',
        );
        return { height: 0, nodes: 1 };
      }
      const done = measured.get(target);
      if (done === undefined) {
        report(
          offset,
          `alias \`*${node.source}\` is inside the value it refers to (a cycle)`,
          'data must be a tree: copy the fields instead',
        );
        return { height: 0, nodes: 1 };
      }
      if (depth + done.height > MAX_NESTING)
        report(offset, `alias \`*${node.source}\` nests this value deeper than ${MAX_NESTING} levels`, 'flatten the structure');
      if (!result.largestAlias || done.nodes > result.largestAlias.nodes) result.largestAlias = { offset, nodes: done.nodes };
      return done;
    }
    const anchor = (node as Node).anchor;
    if (anchor) anchors.set(anchor, node as Node);
    let height = 0;
    let nodes = 1;
    if (isMap(node) || isSeq(node)) {
      if (depth >= MAX_NESTING) {
        report(offset, `nested deeper than ${MAX_NESTING} levels`, 'rotation.yaml needs a few levels; flatten the structure');
        return { height: 0, nodes: 1 };
      }
      for (const item of node.items as unknown[]) {
        const parts = isPair(item) ? [item.key, item.value] : [item];
        for (const part of parts) {
          const below = walk(part, depth + 1);
          height = Math.max(height, below.height + 1);
          nodes += below.nodes;
        }
        if (isPair(item) && isMergeKey(item.key)) {
          const value = item.value;
          const ok = isMapLike(value) || (isSeq(value) && value.items.every(isMapLike));
          if (!ok)
            report(
              (value as Node | null)?.range?.[0] ?? offset,
              'a merge (`<<`) takes a mapping, an alias of one, or a list of them',
              'write `<<: *name` where `&name` marks a mapping',
            );
        }
      }
    }
    const measure = { height, nodes };
    if (anchor) measured.set(node as Node, measure);
    return measure;
  }

  walk(doc.contents, 0);
  return result;
}

/** A path into deep nesting names the field that holds it, not a hundred `[0]`s. */
export function nestingPath(path: DataPath): DataPath {
  return path.length > 8 ? path.slice(0, 8) : path;
}

/**
 * Where nesting passes MAX_NESTING, estimated from indentation and brackets (quotes and
 * comments ignored). Only used to place the problem when the `yaml` package itself ran
 * out of stack, so an estimate is enough; undefined if it finds no such place.
 */
export function deepestPoint(text: string): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let i = start;
    while (text.charCodeAt(i) === 32) i++;
    if (i < end && text[i] !== '#' && flow === 0) {
      const indent = i - start;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    for (let k = i; k < end; k++) {
      const c = text[k];
      if (c === '[' || c === '{') flow++;
      else if ((c === ']' || c === '}') && flow > 0) flow--;
      if (indents.length + flow > MAX_NESTING) return k;
    }
    start = end + 1;
  }
  return undefined;
}
