/**
 * Text → data. The fast subset reader handles the files people write; anything else
 * (and every file with a mistake in it) goes through the `yaml` package, whose errors
 * carry offsets that become problems with a line, a column and a data path.
 */
import type { ProblemList } from './problems.js';
import { SourceMap, yaml, type LineColumn } from './source-map.js';
import { parseYamlSubset } from './yaml-subset.js';

export interface ParsedYaml {
  /** undefined when the text is not YAML this loader can trust (syntax errors) */
  data: unknown;
  source: SourceMap;
  /** position of each item of `keys` (by index) */
  keyPosition(index: number): LineColumn;
}

export function parseYaml(text: string, problems: ProblemList): ParsedYaml {
  const fast = parseYamlSubset(text);
  if (fast) {
    const source = new SourceMap(text);
    return {
      data: fast.value,
      source,
      keyPosition: (index) => fast.keyItems[index] ?? source.positionOf(['keys', index]),
    };
  }

  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const source = new SourceMap(text, { doc, lines });
  let fatal = false;
  for (const error of doc.errors) {
    const offset = error.pos[0];
    const path = source.pathAt(offset);
    if (error.code === 'DUPLICATE_KEY') {
      problems.addAt(offset, path, 'duplicate field: this name already appears earlier in the same mapping', 'remove one of them; YAML keeps neither silently');
    } else {
      fatal = true;
      problems.addAt(offset, path, `YAML syntax: ${firstLine(error.message)}`, hintFor(error.code));
    }
  }
  return {
    data: fatal ? undefined : doc.toJS({ maxAliasCount: 1000 }),
    source,
    keyPosition: (index) => source.positionOf(['keys', index]),
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function hintFor(code: string): string | undefined {
  switch (code) {
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
