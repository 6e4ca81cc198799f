/**
 * YAML that parses but cannot become data (aliases, merges, nesting), through `keyturn`
 * itself: each is refused with exit 2, file:line:column, the field path and a hint, and
 * no stack trace (they were exceptions with exit 1, or stack overflows, before).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';

const KEY_1 = 'path: app/key-1\n';

interface Case {
  name: string;
  edit: (text: string) => string;
  /** text on the line the problem points at; undefined where the reader decides the line (deep nesting) */
  lineWith?: string;
  /** `file:line:col  path  message (hint)` after the position */
  expected: RegExp;
}

const deepBlocks = (levels: number): string => Array.from({ length: levels }, (_, i) => `${'  '.repeat(i + 3)}k${i}:\n`).join('');
const aliasBomb = [
  'x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
  ...Array.from({ length: 8 }, (_, i) => `x-a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
];

const CASES: Case[] = [
  {
    name: 'an undefined alias',
    edit: (t) => t.replace('holders: [team:ops]', 'holders: [*nobody]'),
    lineWith: '*nobody',
    expected:
      /keys\[0\]\.holders\[0\] {2}alias `\*nobody` has no anchor `&nobody` before it \(an anchor must come before every alias of it\)/,
  },
  {
    name: 'an alias before its anchor',
    edit: (t) => t.replace('holders: [team:ops]', 'holders: [*ops, &ops team:ops]'),
    lineWith: '*ops',
    expected: /keys\[0\]\.holders\[0\] {2}alias `\*ops` has no anchor `&ops` before it/,
  },
  {
    name: 'a merge (`<<`) of a scalar',
    edit: (t) => t.replace(KEY_1, `${KEY_1}    spec:\n      <<: 5\n`),
    lineWith: '<<: 5',
    expected: /keys\[0\]\.spec\["<<"\] {2}a merge \(`<<`\) takes a mapping, an alias of one, or a list of them \(write `<<: \*name`/,
  },
  {
    name: 'an alias bomb (excessive alias count)',
    edit: (t) => t.replace('keys:\n', `${aliasBomb.join('\n')}\nkeys:\n`),
    lineWith: 'x-a8:',
    expected: /x-a8\[0\] {2}aliases expand to 111,111,111 values here \(more than YAML allows\) \(an alias bomb\?/,
  },
  {
    name: 'a self-referencing anchor in a spec',
    edit: (t) => t.replace(KEY_1, `${KEY_1}    spec: &self\n      length: 40\n      again: *self\n`),
    lineWith: '*self',
    expected: /keys\[0\]\.spec\.again {2}alias `\*self` is inside the value it refers to \(a cycle\) \(data must be a tree/,
  },
  {
    name: '10,000 nested `[`',
    edit: (t) => t.replace('holders: [team:ops]', `holders: [team:ops]\n    tags: ${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    expected:
      /keys\[0\]\.tags(\[0\])* {2}nested too deeply to read \(the YAML reader ran out of stack\) \(rotation\.yaml needs a few levels/,
  },
  {
    name: '5,000 nested blocks',
    edit: (t) => t.replace(KEY_1, `${KEY_1}    spec:\n${deepBlocks(5_000)}`),
    expected: /keys\[0\]\.spec(\.k\d+)* {2}nested too deeply to read \(the YAML reader ran out of stack\)/,
  },
  {
    name: '100 nested `[` (deeper than keyturn reads, though YAML could)',
    edit: (t) => t.replace('holders: [team:ops]', `holders: [team:ops]\n    tags: ${'['.repeat(100)}${']'.repeat(100)}`),
    expected: /keys\[0\]\.tags(\[0\])* {2}nested deeper than 64 levels \(rotation\.yaml needs a few levels; flatten the structure\)/,
  },
];

describe('rotation.yaml aliases, merges and nesting that cannot become data (keyturn validate, plan)', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let file: string;
  let original: string;

  before(async () => {
    ws = await Workspace.create({ keys: 2 });
    file = path.join(ws.dir, 'rotation.yaml');
    original = readFileSync(file, 'utf8');
  });
  after(async () => ws.cleanup());

  for (const c of CASES) {
    it(`${c.name}: exit 2 with file:line:column, field path and hint, no stack trace`, async () => {
      const text = c.edit(original);
      expect(text, 'the edit applied').to.not.equal(original);
      await writeFile(file, text);
      const line = c.lineWith === undefined ? '\\d+' : String(text.split('\n').findIndex((l) => l.includes(c.lineWith!)) + 1);
      for (const verb of [['validate'], ['plan', '--all']]) {
        const run = await ws.run(verb);
        expect(run.exitCode, `${verb[0]}: ${run.stderr}`).to.equal(2);
        expect(run.stderr, verb[0]).to.match(new RegExp(`rotation\\.yaml:${line}:\\d+  ${c.expected.source}`));
        expect(run.stderr, 'a stack trace').to.not.match(/\bat .*\.[cm]?js:\d+|RangeError|ReferenceError/);
        expect(run.stdout).to.equal('');
      }
    });
  }
});
