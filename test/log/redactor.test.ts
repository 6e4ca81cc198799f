import { expect } from 'chai';
import { Redactor, REDACTED } from '../../src/log/redactor.js';

describe('Redactor', () => {
  it('masks every registered secret and its encodings', () => {
    const redactor = new Redactor();
    const secret = 'p@ss/word+with=signs';
    redactor.add(secret);
    const text = `raw ${secret} uri ${encodeURIComponent(secret)} b64 ${Buffer.from(secret).toString('base64')}`;
    const out = redactor.redact(text);
    expect(out).to.not.include(secret);
    expect(out).to.not.include(encodeURIComponent(secret));
    expect(out).to.not.include(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    expect(out.split(REDACTED).length - 1).to.equal(3);
  });

  it('masks the longest secret first and leaves short values alone', () => {
    const redactor = new Redactor();
    redactor.add('abcdefgh', 'abcdefghijkl', 'abc');
    expect(redactor.redact('x abcdefghijkl y abc')).to.equal(`x ${REDACTED} y abc`);
  });

  it('redacts deep values', () => {
    const redactor = new Redactor();
    redactor.add('topsecret-1');
    expect(redactor.redactValue({ a: ['topsecret-1'], b: { c: 'x topsecret-1' } })).to.deep.equal({
      a: [REDACTED],
      b: { c: `x ${REDACTED}` },
    });
  });
});
