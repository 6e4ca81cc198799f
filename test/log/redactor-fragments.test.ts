/** A long secret is masked by its pieces, in the forms tools print, not only whole. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { FRAGMENT_LENGTH, REDACTED, Redactor } from '../../src/log/redactor.js';

const SECRET = 'sk_live_51Hq9ZpL2vXw8TnR4yBm7QcKd3FgJhUe';

function redactorOf(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  redactor.add(...secrets);
  return redactor;
}

describe('Redactor: pieces of a long secret', () => {
  it(`masks any piece of ${FRAGMENT_LENGTH} characters or more, wherever it starts`, () => {
    const redactor = redactorOf(SECRET);
    for (let start = 0; start + FRAGMENT_LENGTH <= SECRET.length; start += 5) {
      const piece = SECRET.slice(start, start + FRAGMENT_LENGTH + (start % 3));
      expect(redactor.redact(`got ${piece}.`)).to.equal(`got ${REDACTED}.`);
    }
  });

  it('leaves a shorter piece and ordinary text as they are', () => {
    const redactor = redactorOf(SECRET);
    const short = SECRET.slice(3, 3 + FRAGMENT_LENGTH - 1);
    expect(redactor.redact(`got ${short} and restarted grid-bot in 42ms`)).to.equal(`got ${short} and restarted grid-bot in 42ms`);
  });

  it('masks each body line of a PEM key, the lines re-wrapped, and a cut-off end; the armor stays readable', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const redactor = redactorOf(pem);
    const body = pem.trim().split('\n').slice(1, -1);
    for (const line of body.filter((l) => l.length >= FRAGMENT_LENGTH)) expect(redactor.redact(line)).to.equal(REDACTED);
    expect(redactor.redact(body.join(''))).to.equal(REDACTED);
    // nothing but masks and line breaks is left of a body with other line ends
    expect(redactor.redact(body.join('\r\n')).split(REDACTED).join('').trim()).to.equal('');
    const lastLines = pem.trim().split('\n').slice(-3).join('\n');
    expect(redactor.redact(lastLines)).to.equal(`${REDACTED}\n-----END PRIVATE KEY-----`);
  });

  it('masks the base64 of a piece at each of the three byte alignments, and base64url', () => {
    const redactor = redactorOf(SECRET);
    for (const prefix of ['', 'u', 'us', 'use']) {
      const encoded = Buffer.from(`${prefix}:${SECRET.slice(7, 31)}`).toString('base64');
      const url = Buffer.from(`${prefix}:${SECRET.slice(7, 31)}`).toString('base64url');
      for (const text of [encoded, url]) {
        const out = redactor.redact(`Authorization: Basic ${text}`);
        expect(out, `${prefix}: ${text}`).to.include(REDACTED);
        // what stays visible: the prefix's base64 group, a partial group at each edge, the padding
        expect(out.replace(REDACTED, '').length - 'Authorization: Basic '.length, text).to.be.at.most(12);
      }
    }
  });

  it('masks the secret JSON-escaped (twice), URL-encoded and in hex, whole or in pieces', () => {
    const secret = `pa"ss\\w0rd/with spaces+${randomBytes(6).toString('hex')}`;
    const redactor = redactorOf(secret);
    const json = JSON.stringify(secret);
    const forms = [json, JSON.stringify(json), encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')];
    const hex = Buffer.from(secret).toString('hex');
    forms.push(hex, hex.toUpperCase(), hex.slice(4, 4 + FRAGMENT_LENGTH * 2));
    forms.push(encodeURIComponent(secret).slice(2, 2 + FRAGMENT_LENGTH + 6));
    for (const form of forms) {
      const inside = redactor
        .redact(`[${form}]`)
        .replace(/^\[[\\"]*/, '')
        .replace(/[\\"]*\]$/, '');
      expect(inside, form).to.equal(REDACTED);
    }
  });

  it('masks two secrets next to each other as one stretch, and keeps the text around them', () => {
    const other = randomBytes(18).toString('base64');
    const redactor = redactorOf(SECRET, other);
    expect(redactor.redact(`a ${SECRET}${other} b ${other.slice(2, 20)} c`)).to.equal(`a ${REDACTED} b ${REDACTED} c`);
  });
});
