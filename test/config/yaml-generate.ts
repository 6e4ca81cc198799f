/**
 * Small random YAML documents shaped like rotation.yaml, with the whitespace people and
 * editors actually produce at every separator: spaces, tabs, CR, CRLF, a BOM, and the
 * Unicode spaces (NBSP, em space, ideographic space, NEL, LS …) that YAML does NOT treat
 * as whitespace. Deterministic: the same seed gives the same documents.
 */
import { mulberry32 } from '../../scripts/seeded-random.js';

const UNICODE_SPACES = ['\u00a0', '\u2003', '\u3000', '\u0085', '\u2028', '\u2029', '\ufeff', '\u200b', '\u000b', '\u000c'];
/** after `: `, `- `, `[`, `,`, `{k: `: mostly ordinary, often a tab, sometimes a character that is no separator */
const SEPARATORS = [' ', ' ', ' ', ' ', '  ', '\t', ' \t', '\t ', '\t\t', '', ...UNICODE_SPACES.map((u) => ` ${u}`)];
const TRAILING = ['', '', '', '', ' ', '\t', ' \t', '\t ', ' # note', '\t# note', ' \u00a0', '\u3000'];
const LINE_ENDS = ['\n', '\n', '\n', '\n', '\n', '\n', '\r\n', '\r\n', '\r', '\u2028', '\u0085'];
const KEYS = ['a', 'b', 'id', 'path', 'keys', 'spec', 'period', '"q k"', "'s k'", 'a b', 'x\u00a0', 'x\u3000y'];
/** keys the fast path may leave to the `yaml` package (or that YAML rejects) */
const ODD_KEYS = ['k\tk', 'k\t', '<<', '1', '&k a', '? a', '-a', 'a#b', '*a', 'x\u2028', '"k"\t'];
const SCALARS = [
  'x',
  'app/key-01',
  '30d',
  '42',
  '-5',
  '0x1F',
  '1.5',
  '.inf',
  'true',
  'null',
  '~',
  '"quoted"',
  '"t\\tab"',
  '"a\tb"',
  "'it''s'",
  "'a\tb'",
  'a b',
  'a\tb',
  'a #c',
  'a\t#c',
  'a#b',
  'a:b',
  '--flag',
  'x\u00a0',
  '\u00a0x',
  'x\u2003y',
  '\u3000x',
  'x\ufeff',
  '\ufeffx',
];
/** scalars outside the fast path's subset, or no YAML at all */
const ODD_SCALARS = [
  'a: b',
  'a:\tb',
  '-',
  '- x',
  '-\tx',
  '&a x',
  '*a',
  '!!str 5',
  '|',
  '"unclosed',
  "'",
  'x\u2028y',
  'x\u0085',
  'x\u000by',
  '\u000cx',
  '@x',
  '%x',
  '`x',
];

/** shape 'keys': every document is a `keys:` sequence, as rotation.yaml's main section is */
export function* generateYamlDocuments(count: number, seed: number, shape: 'map' | 'keys' = 'map'): Generator<string> {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (p: number): boolean => random() < p;
  let eol: string;
  const sep = (): string => (chance(0.5) ? ' ' : pick(SEPARATORS));
  const key = (): string => (chance(0.9) ? pick(KEYS) : pick(ODD_KEYS));
  const scalar = (): string => (chance(0.9) ? pick(SCALARS) : pick(ODD_SCALARS));

  function flow(depth: number): string {
    if (depth > 1 || chance(0.5)) return scalar();
    const n = Math.floor(random() * 3);
    const items: string[] = [];
    if (chance(0.5)) {
      for (let i = 0; i < n; i++) items.push(`${sep()}${flow(depth + 1)}${sep()}`);
      return `[${items.join(',')}${chance(0.1) ? ',' : ''}]`;
    }
    for (let i = 0; i < n; i++) items.push(`${sep()}${key()}:${sep()}${flow(depth + 1)}${sep()}`);
    return `{${items.join(',')}}`;
  }

  function indentOf(base: string): string {
    const r = random();
    if (r < 0.9) return `${base}  `;
    if (r < 0.94) return `${base} `;
    if (r < 0.97) return `${base}\t`;
    return base;
  }

  function value(indent: string, depth: number, lines: string[], head: string): void {
    const r = random();
    if (depth < 3 && r < 0.2) {
      lines.push(`${head}${pick(TRAILING)}`);
      block(indentOf(indent), depth + 1, lines);
    } else if (depth < 3 && r < 0.35) {
      lines.push(`${head}${pick(TRAILING)}`);
      sequence(chance(0.3) ? indent : indentOf(indent), depth + 1, lines);
    } else if (r < 0.55) {
      lines.push(`${head}${sep()}${flow(0)}${pick(TRAILING)}`);
    } else {
      lines.push(`${head}${sep()}${scalar()}${pick(TRAILING)}`);
    }
  }

  function block(indent: string, depth: number, lines: string[]): void {
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      if (chance(0.05)) lines.push(pick(['', '# comment', `${indent}# indented`, ' \t', '\t# tab comment']));
      value(indent, depth, lines, `${indent}${key()}${chance(0.05) ? pick(['\t', ' ']) : ''}:`);
    }
  }

  function sequence(indent: string, depth: number, lines: string[]): void {
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      const dash = `${indent}-${chance(0.9) ? sep() : ''}`;
      if (chance(0.3)) {
        // a compact mapping: `- id: x` and its next fields aligned under the first
        const first = `${dash}${key()}:`;
        const column = ' '.repeat(dash.length);
        const lines2: string[] = [];
        value(column, depth, lines2, first);
        lines.push(...lines2);
        if (chance(0.5)) value(column, depth, lines, `${column}${key()}:`);
      } else value(indent, depth, lines, dash.trimEnd() === dash ? `${dash} ` : dash);
    }
  }

  for (let i = 0; i < count; i++) {
    eol = chance(0.85) ? '\n' : pick(LINE_ENDS);
    const lines: string[] = [];
    if (chance(0.05)) lines.push(pick(['---', '--- # doc', '---\t', '--- x']));
    if (shape === 'keys') {
      lines.push(`keys:${pick(TRAILING)}`);
      sequence(chance(0.2) ? '' : indentOf(''), 1, lines);
    } else block('', 0, lines);
    const bom = chance(0.04) ? '\ufeff' : '';
    yield `${bom}${lines.join(eol)}${chance(0.9) ? eol : ''}`;
  }
}
