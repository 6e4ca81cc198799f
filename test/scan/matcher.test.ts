/**
 * The scan's multi-pattern search on its own: every form of a value found where it starts,
 * with its encoding; a PEM key found line by line and re-wrapped; short values not searched;
 * line numbers counted only up to each hit; binaries recognised.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { scanBytes } from '../../src/scan/files.js';
import { SecretMatcher, type ManagedSecret } from '../../src/scan/matcher.js';

const secret = (value: string, key = 'k'): ManagedSecret => ({ key, field: 'secret', version: 'CURRENT', value });

function hits(matcher: SecretMatcher, text: string): Array<[number, string, string]> {
  const out: Array<[number, string, string]> = [];
  matcher.scan(text, (at, form) => out.push([at, form.secret.key, form.encoding]));
  return out;
}

describe('scan: SecretMatcher', () => {
  const value = 'Zq8xR2vN7pLs4TbW9cYe3HmK';
  const matcher = new SecretMatcher([secret(value, 'api'), secret('s3cr3t-passphrase with spaces/and+plus', 'pw'), secret('short', 'pin')]);

  it('finds the value as written, base64 (of user:secret), hex and URL-encoded, at the position it starts', () => {
    const b64 = Buffer.from(`user:${value}`).toString('base64');
    const text = `a=${value}\nb=${b64}\nc=${Buffer.from(value).toString('hex')}\nd=${encodeURIComponent('s3cr3t-passphrase with spaces/and+plus')}\n`;
    const found = hits(matcher, text);
    expect(found).to.deep.include([2, 'api', 'as written']);
    expect(found.map(([, key, encoding]) => `${key} ${encoding}`)).to.include.members(['api base64', 'api hex', 'pw url-encoded']);
  });

  it('does not search values shorter than 12 characters, and finds nothing in unrelated text', () => {
    expect(matcher.tooShort).to.equal(1);
    expect(hits(matcher, 'short short short Zq8xR2vN7pL ' + randomBytes(4096).toString('base64'))).to.deep.equal([]);
  });

  it('finds a PEM private key as written, by a single body line, and re-wrapped without newlines', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const m = new SecretMatcher([secret(pem, 'signing')]);
    expect(hits(m, `x\n${pem}`).length).to.be.greaterThan(0);
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    expect(hits(m, `key: "${body.join('')}"`).length).to.be.greaterThan(0);
  });

  it('counts lines up to each hit; a NUL byte in the first 8000 bytes is a binary', () => {
    const text = `one\ntwo\n\nfour ${value}\nfive\nsix ${value}\n`;
    expect(scanBytes(Buffer.from(text), matcher)!.map((h) => h.line)).to.deep.equal([4, 6]);
    expect(scanBytes(Buffer.concat([Buffer.from([0]), Buffer.from(value)]), matcher)).to.equal(undefined);
  });

  it('a UTF-8 value is searched as its bytes', () => {
    const m = new SecretMatcher([secret('pässwörd-ünïcode-Ω-long', 'u')]);
    expect(scanBytes(Buffer.from('x = "pässwörd-ünïcode-Ω-long"\n'), m)!.map((h) => h.line)).to.deep.equal([1]);
  });
});
