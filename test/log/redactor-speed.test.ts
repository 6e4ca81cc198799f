/**
 * Redaction runs on every byte keyturn writes, including a 10,000-key plan's output: free
 * when nothing is registered, and one pass over the text however many secrets there are.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { REDACTED, Redactor } from '../../src/log/redactor.js';

function bigText(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `key-${i}: rotated ok, new id ${randomBytes(8).toString('hex')}, status 200, duration ${i % 997}ms`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

describe('Redactor: speed', () => {
  const text = bigText(5_000_000);

  it('returns the text untouched at once when nothing is registered', () => {
    const redactor = new Redactor();
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(redactor.redact(text)).to.equal(text);
    expect(performance.now() - started).to.be.lessThan(100);
  });

  it('redacts 5 MB against 50 secrets in well under the time it takes to print them', () => {
    const secrets = Array.from({ length: 50 }, () => randomBytes(24).toString('base64'));
    const redactor = new Redactor();
    redactor.add(...secrets);
    const middle = text.length >> 1;
    const mixed = `${text.slice(0, middle)}\n${secrets.join('\n')}\n${text.slice(middle)}`;
    const started = performance.now();
    const out = redactor.redact(mixed);
    const elapsed = performance.now() - started;
    expect(out.split(REDACTED).length - 1).to.equal(50);
    expect(out.length).to.equal(mixed.length - secrets.join('').length + 50 * REDACTED.length);
    // about 0.06 s on one core; the bound leaves room for a shared, busy machine
    expect(elapsed).to.be.lessThan(3000);
  });
});
