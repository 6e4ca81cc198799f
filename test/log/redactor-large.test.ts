/**
 * Redaction of a large text (a 10,000-key plan's output, a long consumer log): untouched when
 * nothing is registered, every secret masked once when many are. How fast: `npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { logLikeText } from '../../bench/redaction.js';
import { REDACTED, Redactor } from '../../src/log/redactor.js';

describe('Redactor: large texts', () => {
  const text = logLikeText(5_000_000);

  it('returns the text untouched when nothing is registered', () => {
    const redactor = new Redactor();
    expect(redactor.redact(text)).to.equal(text);
  });

  it('masks each of 50 secrets in 5 MB once, and nothing else', () => {
    const secrets = Array.from({ length: 50 }, () => randomBytes(24).toString('base64'));
    const redactor = new Redactor();
    redactor.add(...secrets);
    const middle = text.length >> 1;
    const mixed = `${text.slice(0, middle)}\n${secrets.join('\n')}\n${text.slice(middle)}`;
    const out = redactor.redact(mixed);
    expect(out.split(REDACTED).length - 1).to.equal(50);
    expect(out.length).to.equal(mixed.length - secrets.join('').length + 50 * REDACTED.length);
  });
});
