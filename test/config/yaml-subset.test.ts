import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { LineCounter, parse, parseDocument, isSeq } from 'yaml';
import { generateRotationYaml } from '../../bench/gen-rotation-yaml.js';
import { parseYamlSubset, resolvePlain } from '../../src/config/yaml-subset.js';

/** The subset reader must read exactly what the yaml package reads, or decline. */
function same(text: string): void {
  const fast = parseYamlSubset(text);
  expect(fast, `declined:\n${text}`).to.not.equal(undefined);
  expect(fast!.value).to.deep.equal(parse(text));
}

describe('YAML subset reader', () => {
  it('reads block mappings, sequences, comments and blank lines like the yaml package', () => {
    same(`# a comment
version: 1   # trailing comment

top:
  nested:
    deeper: value
  list:
    - a
    - b   # comment
  # an indented comment
  after: x
seqAtMapIndent:
- one
- two
last: ~
`);
  });

  it('reads compact mappings in sequences, nested blocks and empty items', () => {
    same(`keys:
  - id: a
    spec:
      length: 4
    consumers:
    - name: c
      env: { A: value }
  -
    id: b
  - id: c
    list:
      -
      - x
`);
  });

  it('resolves plain scalars with the YAML 1.2 core schema', () => {
    same(`a: 1
b: -12
c: +7
d: 0o17
e: 0x1F
f: 1.5
g: .5
h: 5.
i: 1e3
j: -2.5E-2
k: .inf
l: -.Inf
m: .nan
n: null
o: Null
p: NULL
q: true
r: False
s: yes
t: on
u: 0755
v: 1_000
w: 0b101
x: 12:30
y: 2024-01-01
z: ''
aa: nil
ab: tRUE
ac: 0o8
`);
  });

  it('reads quoted scalars and keys', () => {
    same(`"quoted key": 1
'single key': 2
a: "tab\\there, quote \\" backslash \\\\ slash \\/ unicode \\u00e9 \\x41 \\U0001F600"
b: 'it''s # not a comment'
c: "# not a comment either"
d: ""
e: "a: b"
f: "null"
g: '42'
`);
  });

  it('reads one-line flow collections', () => {
    same(`a: [node, dist/x.js, --port, "47811", -5, 1.5]
b: { length: 48, alphabet: base62, nested: { x: [1, 2, { y: z }] } }
c: []
d: {}
e: [a, b, ]
f: { url: http://127.0.0.1:47811/health, timeout: 2s }
g: { "q": 'single', e: , n: null }
h: [ spaced , values with spaces ]
i: {a: 1,b: 2}
`);
  });

  it('reads plain scalars with indicators inside them', () => {
    same(`a: value#not-comment
b: --flag
c: a,b]c
d: http://host:80/path?x=1&y=2
e: key:value
f: trailing spaces   
g: 'x' # comment
`);
  });

  it('reads a tab after every separator as YAML does: whitespace, not part of the value', () => {
    same('a: \tb\nc:\td\n');
    same('list:\n  - \tx\n  -\t\n    y: 1\n  -\tz\n');
    same('f: [\tx,\ty ,\t]\n');
    same('g: {k: \tv,\tm:\tw}\n');
    same('h: \t"q"\t# c\ni: \t[a]\t\n');
    same('path: \tapp/key-01\n');
    expect(parseYamlSubset('path: \tapp/key-01\n')!.value).to.deep.equal({ path: 'app/key-01' });
  });

  it('declines a tab where YAML forbids one or where the subset cannot tell', () => {
    for (const text of ['a: \t@x\n', 'list:\n  - \tid: a\n', 'list:\n  - \t- x\n', 'a: \t- x\n']) {
      expect(parseYamlSubset(text), JSON.stringify(text)).to.equal(undefined);
    }
  });

  it('reads a document start marker and CRLF line ends', () => {
    same('---\na: 1\r\nb:\r\n  - x\r\n');
    same('--- # start\na: 1\n');
  });

  it('declines what it does not handle, so the yaml package reads it', () => {
    const declined = [
      'a: &anchor 1\nb: *anchor\n',
      'a: !!str 5\n',
      'a: |\n  block\n',
      'a: >\n  folded\n',
      'a: plain\n  continued\n',
      'a: [1,\n  2]\n',
      'a: 1\na: 2\n',
      'a:\n\t- x\n',
      'a:\n  - - x\n',
      '? complex\n: key\n',
      'a: 1\n---\nb: 2\n',
      'a: [1, 2\n',
      'a: b: c\n',
      'a:\n  b: 1\n c: 2\n',
      '- top-level list\n',
      'just a scalar\n',
      '',
      'a: "unclosed\n',
      'a: { b }\n',
      '__proto__: 1\n',
      '<<: { a: 1 }\n',
      '1: numeric key\n',
      'a: "\\q unknown escape"\n',
      '\ufeffa: 1\n',
      '  a: 1\n',
      'a:\n  - x\n  y: 1\n',
    ];
    for (const text of declined) expect(parseYamlSubset(text), JSON.stringify(text)).to.equal(undefined);
  });

  it('reports the position of each key item as the yaml package does', () => {
    const text = `version: 1
keys:
  - id: a
    purpose: x
  -   id: b
  - # comment
    id: c
  - "id": d
`;
    const fast = parseYamlSubset(text)!;
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const seq = doc.get('keys', true);
    if (!isSeq(seq)) expect.fail('keys is not a sequence');
    const expected = seq.items.map((item) => {
      const { line, col } = lines.linePos((item as { range: [number] }).range[0]);
      return { line, column: col };
    });
    expect(fast.keyItems[0]).to.deep.equal(expected[0]);
    expect(fast.keyItems[1]).to.deep.equal(expected[1]);
    expect(fast.keyItems[3]).to.deep.equal(expected[3]);
    expect(fast.keyItems[0]).to.deep.equal({ line: 3, column: 5 });
    expect(fast.keyItems[1]).to.deep.equal({ line: 5, column: 7 });
    // a mapping that starts on the line after its dash is located by the loader through the yaml package
    expect(fast.keyItems[2]).to.equal(undefined);
  });

  it('reads the generated benchmark file (no fallback) and the demo file exactly', () => {
    same(generateRotationYaml(300));
    const big = parseYamlSubset(generateRotationYaml(10_000));
    expect(big).to.not.equal(undefined);
    expect(big!.keyItems.length).to.equal(10_000);
  });

  it('never accepts a file the yaml package rejects or reads differently (seeded mutations of the demo)', () => {
    const demo = readFileSync(path.join(process.cwd(), 'rotation.yaml'), 'utf8');
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const inserts = [
      ':',
      ': ',
      '-',
      '- ',
      ' ',
      '  ',
      '"',
      "'",
      '[',
      ']',
      '{',
      '}',
      ',',
      '#',
      ' #',
      '\n',
      '\n  ',
      '&',
      '*',
      '!',
      '|',
      '\t',
      '\\',
      'x',
    ];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const at = random(demo.length);
      const mutated =
        random(3) === 0
          ? demo.slice(0, at) + demo.slice(at + 1 + random(3))
          : demo.slice(0, at) + inserts[random(inserts.length)] + demo.slice(at);
      const fast = parseYamlSubset(mutated);
      if (fast === undefined) continue;
      accepted++;
      const doc = parseDocument(mutated);
      expect(
        doc.errors.map((e) => e.message),
        `accepted a broken file (mutation ${i})`,
      ).to.deep.equal([]);
      expect(fast.value, `read differently (mutation ${i})`).to.deep.equal(doc.toJS());
    }
    // most mutations of an ordinary file stay valid YAML: the property was exercised
    expect(accepted).to.be.greaterThan(1000);
  });

  it('resolves every short plain scalar exactly as the yaml package (exhaustive up to 3 characters)', () => {
    const alphabet = ['0', '1', '7', '8', '9', '+', '-', '.', 'e', 'E', 'x', 'o', 'a', 'f', 'F', 'n', 'N', 'i', 'd', 's', 'm', '_'];
    const words = [
      '.inf',
      '-.inf',
      '+.INF',
      '.Inf',
      '.nan',
      '.NaN',
      '.NAN',
      '-.nan',
      '0x1F',
      '0xff',
      '0o17',
      '0o8',
      '1e10',
      '1.5e-3',
      '30d',
      '500ms',
      '1h30m',
      '0755',
      '-0',
      '+0.5',
      '1_000',
      '12:30',
    ];
    const tokens = new Set<string>(words);
    for (const a of alphabet) {
      tokens.add(a);
      for (const b of alphabet) {
        tokens.add(a + b);
        for (const c of alphabet) tokens.add(a + b + c);
      }
    }
    let compared = 0;
    for (const token of tokens) {
      let expected: unknown;
      try {
        expected = (parse(`v: ${token}`) as { v: unknown }).v;
      } catch {
        continue; // not a plain scalar at all (e.g. "-" or "- x")
      }
      compared++;
      expect(resolvePlain(token), JSON.stringify(token)).to.deep.equal(expected);
    }
    expect(compared).to.be.greaterThan(10_000);
  });
});
