/** The window index behind redaction and scan: what counts as a hit, through its public methods. */
import { expect } from 'chai';
import { GramIndex, type Span } from '../../src/log/gram-index.js';

function spans(index: GramIndex, text: string): Span[] {
  const out: Span[] = [];
  index.find(text, out);
  return out;
}

describe('GramIndex', () => {
  it('finds a run of indexed windows as long as the form asks, and not a shorter one', () => {
    const index = new GramIndex(4);
    expect(index.add('abcdefghij', 6)).to.equal(true);
    expect(spans(index, 'xx abcdef yy')).to.deep.equal([[3, 9]]);
    expect(spans(index, 'xx abcde yy'), 'a 5-character run of a form that asks for 6').to.deep.equal([]);
  });

  it('a window shared by two forms takes the shorter run; a form that brings nothing new says so', () => {
    const index = new GramIndex(4);
    index.add('abcdefghij', 8);
    expect(spans(index, '-defghi-'), 'six characters: too short for the first form').to.deep.equal([]);
    expect(index.add('zzdefghizz', 6)).to.equal(true);
    expect(spans(index, '-defghi-')).to.deep.equal([[1, 7]]);
    expect(index.add('abcdefghij', 8), 'nothing new').to.equal(false);
    expect(index.add('abc'), 'shorter than a window').to.equal(false);
  });

  it('repeated windows inside one form, and each() reports every position with its window', () => {
    const index = new GramIndex(3);
    index.add('aaaaab');
    const hits: Array<[number, string]> = [];
    index.each('xaaaabx', (at, window) => hits.push([at, window]));
    expect(hits).to.deep.equal([
      [1, 'aaa'],
      [2, 'aaa'],
      [3, 'aab'],
    ]);
  });

  it('thousands of random forms: every one is found whole, and text made of none of them is not', () => {
    const index = new GramIndex(12);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const forms = Array.from({ length: 3000 }, () => Array.from({ length: 43 }, () => alphabet[next() % 64]).join(''));
    for (const form of forms) index.add(form);
    for (const form of forms.slice(0, 200)) expect(spans(index, `key=${form};`)).to.deep.equal([[4, 47]]);
    expect(spans(index, '~'.repeat(500))).to.deep.equal([]);
  });
});
