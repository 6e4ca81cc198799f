import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import { isSeq, LineCounter, parseDocument } from 'yaml';
import { parseYamlSubset } from '../../src/config/yaml-subset.js';
import { generateYamlDocuments } from './yaml-generate.js';

const DOCUMENTS = 60_000;

/** What the `yaml` package reads, as keyturn asks it to (core schema, unique keys, merge keys). */
function reference(text: string): { ok: true; value: unknown; doc: ReturnType<typeof parseDocument> } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) return { ok: false };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }), doc };
  } catch {
    return { ok: false };
  }
}

describe('YAML subset reader against the yaml package (generated documents)', () => {
  it(`accepts only what the yaml package accepts, and reads it identically (${DOCUMENTS.toLocaleString('en')} documents)`, () => {
    let accepted = 0;
    let acceptedWithTab = 0;
    let acceptedWithUnicodeSpace = 0;
    for (const text of generateYamlDocuments(DOCUMENTS, 20240808)) {
      const fast = parseYamlSubset(text);
      // declining is always safe: the yaml package then reads the document
      if (fast === undefined) continue;
      const expected = reference(text);
      if (!expected.ok) expect.fail(`accepted a document the yaml package rejects: ${JSON.stringify(text)}`);
      if (!isDeepStrictEqual(fast.value, expected.value)) {
        expect(fast.value, `read differently: ${JSON.stringify(text)}`).to.deep.equal(expected.value);
      }
      accepted++;
      if (text.includes('\t')) acceptedWithTab++;
      if (/[\u00a0\u2003\u3000\u0085\u2028\u2029\ufeff]/.test(text)) acceptedWithUnicodeSpace++;
    }
    // the property was exercised on the fast path itself, tabs and Unicode spaces included
    expect(accepted, 'accepted').to.be.greaterThan(DOCUMENTS / 4);
    expect(acceptedWithTab, 'accepted with a tab').to.be.greaterThan(DOCUMENTS / 20);
    expect(acceptedWithUnicodeSpace, 'accepted with a Unicode space').to.be.greaterThan(DOCUMENTS / 50);
  });

  it('places every item of `keys` where the yaml package places it', () => {
    let compared = 0;
    for (const text of generateYamlDocuments(DOCUMENTS / 6, 77, 'keys')) {
      const fast = parseYamlSubset(text);
      if (fast === undefined || !Array.isArray(fast.value.keys)) continue;
      const lines = new LineCounter();
      const seq = parseDocument(text, { lineCounter: lines, logLevel: 'error' }).get('keys', true);
      if (!isSeq(seq)) continue;
      seq.items.forEach((item, index) => {
        const found = fast.keyItems[index];
        if (found === undefined) return;
        const { line, col } = lines.linePos((item as { range: [number] }).range[0]);
        expect(found, JSON.stringify(text)).to.deep.equal({ line, column: col });
        compared++;
      });
    }
    expect(compared).to.be.greaterThan(500);
  });
});
