/**
 * Text → data. The fast subset reader handles the files people write; anything else
 * (and every file with a mistake in it) goes through the `yaml` package, whose errors
 * carry offsets that become problems with a line, a column and a data path.
 */
import type { Document } from 'yaml';
import type { ProblemList } from './problems.js';
import { SourceMap, yaml, type LineColumn } from './source-map.js';
import { deepestPoint, findYamlHazards, nestingPath } from './yaml-hazards.js';
import { parseYamlSubset } from './yaml-subset.js';

/** the `yaml` package's guard against alias bombs (expansions per alias, roughly) */
const MAX_ALIAS_COUNT = 1000;

export interface ParsedYaml {
  /** undefined when the text is not YAML this loader can trust (syntax errors) */
  data: unknown;
  source: SourceMap;
  /** position of each item of `keys` (by index) */
  keyPosition(index: number): LineColumn;
  /**
   * Indexes of the keys whose text contains needle (every other top-level section may
   * contain it too); undefined when that cannot be told cheaply (then look everywhere).
   */
  keysContaining(needle: string): Set<number> | undefined;
}

export function parseYaml(text: string, problems: ProblemList): ParsedYaml {
  const fast = parseYamlSubset(text);
  if (fast) {
    const source = new SourceMap(text);
    return {
      data: fast.value,
      source,
      keyPosition: (index) => fast.keyItems[index] ?? source.positionOf(['keys', index]),
      keysContaining: (needle) => keysContaining(text, needle, fast.value.keys, fast.keyItems),
    };
  }

  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  } catch (error) {
    // the yaml package's parser recurses per level of nesting and does not always catch its own overflow
    if (!(error instanceof RangeError)) throw error;
    return tooDeep(text, problems);
  }
  const source = new SourceMap(text, { doc, lines });
  let fatal = false;
  for (const error of doc.errors) {
    const offset = error.pos[0];
    const path = source.pathAt(offset);
    if (error.code === 'DUPLICATE_KEY') {
      problems.addAt(
        offset,
        path,
        'duplicate field: this name already appears earlier in the same mapping',
        'remove one of them; YAML keeps neither silently',
      );
    } else if (error.code === 'RESOURCE_EXHAUSTION') {
      fatal = true;
      problems.addAt(offset, nestingPath(path), 'nested too deeply to read (the YAML reader ran out of stack)', hintFor(error.code));
    } else {
      fatal = true;
      problems.addAt(offset, path, `YAML syntax: ${firstLine(error.message)}`, hintFor(error.code));
    }
  }
  return {
    data: fatal ? undefined : toData(doc, source, problems),
    source,
    keyPosition: (index) => source.positionOf(['keys', index]),
    keysContaining: () => undefined,
  };
}

/** The problem for a file too deep to parse, placed (and given a path) by parsing only the text before the deep point. */
function tooDeep(text: string, problems: ProblemList): ParsedYaml {
  const { LineCounter, parseDocument } = yaml();
  const offset = deepestPoint(text) ?? 0;
  const lines = new LineCounter();
  const head = parseDocument(text.slice(0, offset), { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const source = new SourceMap(text, { doc: head, lines });
  let last = offset - 1;
  while (last > 0 && /\s/.test(text[last]!)) last--;
  problems.addAt(
    offset,
    nestingPath(source.pathAt(Math.max(0, last))),
    'nested too deeply to read (the YAML reader ran out of stack)',
    hintFor('RESOURCE_EXHAUSTION'),
  );
  return { data: undefined, source, keyPosition: (index) => source.positionOf(['keys', index]), keysContaining: () => undefined };
}

/** The document as plain data, or undefined (with a positioned problem) when it cannot be made safely. */
function toData(doc: Document.Parsed, source: SourceMap, problems: ProblemList): unknown {
  const hazards = findYamlHazards(doc, source, problems);
  if (hazards.found) return undefined;
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias count/i.test(message) && hazards.largestAlias) {
      const { offset, nodes } = hazards.largestAlias;
      problems.addAt(
        offset,
        source.pathAt(offset),
        `aliases expand to ${nodes.toLocaleString('en')} values here (more than YAML allows)`,
        'an alias bomb? copy the values or use fewer aliases of aliases',
      );
    } else {
      // anything else toJS refuses: still a refusal with a position, never a crash
      const offset = doc.contents?.range?.[0] ?? 0;
      problems.addAt(offset, [], `YAML: ${firstLine(message)}`, 'check anchors, aliases and merge keys');
    }
    return undefined;
  }
}

/** Key i spans the lines from its item's line to the next item's: find the items holding needle. */
function keysContaining(text: string, needle: string, keys: unknown, items: Array<LineColumn | undefined>): Set<number> | undefined {
  if (!Array.isArray(keys)) return new Set();
  const starts: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const item = items[i];
    if (item === undefined) return undefined;
    starts.push(item.line);
  }
  const found = new Set<number>();
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
    for (let nl = text.indexOf('\n', lineStart); nl !== -1 && nl < at; nl = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = nl + 1;
    }
    // the last item starting at or before this line
    let low = 0;
    let high = starts.length - 1;
    let index = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (starts[mid]! <= line) {
        index = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (index !== -1) found.add(index);
  }
  return found;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case 'RESOURCE_EXHAUSTION':
      return 'rotation.yaml needs a few levels; flatten the structure';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation and that every bracket and quote is closed';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a value that contains ": " must be quoted';
    default:
      return undefined;
  }
}
