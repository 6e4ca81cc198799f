import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { NAMED_ALPHABETS, parseAlphabet, randomString, type Alphabet } from '../../src/issuers/alphabet.js';
import { createRandomIssuer } from '../../src/issuers/random.js';
import { REDACTED } from '../../src/log/redactor.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf } from './support.js';

const issuer = createRandomIssuer(issuerConfig('random'));
const target = (spec: Record<string, unknown>) => ({ key: keyConfig({ spec }), issuer: issuerConfig('random') });

function chiSquare(values: string[], alphabet: readonly string[]): number {
  const counts = new Map(alphabet.map((c) => [c, 0]));
  let total = 0;
  for (const value of values) {
    for (const c of value) {
      counts.set(c, (counts.get(c) ?? 0) + 1);
      total++;
    }
  }
  const expected = total / alphabet.length;
  let chi = 0;
  for (const count of counts.values()) chi += (count - expected) ** 2 / expected;
  return chi;
}

describe('random issuer', () => {
  it('creates 40 base62 characters by default and registers the value with the redactor', async () => {
    const { ctx, redactor } = makeContext();
    const issued = await issuer.create(target({}), ctx);
    expect(issued.material.value).to.match(/^[0-9A-Za-z]{40}$/);
    expect(redactor.redact(`x ${issued.material.value} y`)).to.equal(`x ${REDACTED} y`);
    expect(issuer.createsRemotely).to.equal(false);
  });

  const cases: Array<[string, RegExp]> = [
    ['base62', /^[0-9A-Za-z]{48}$/],
    ['alnum', /^[0-9A-Za-z]{48}$/],
    ['hex', /^[0-9a-f]{48}$/],
    ['base64url', /^[0-9A-Za-z_-]{48}$/],
    ['printable', /^[\x21-\x7e]{48}$/],
    ['custom:xyz!', /^[xyz!]{48}$/],
  ];
  for (const [alphabet, shape] of cases) {
    it(`honours length 48 with alphabet ${alphabet}`, async () => {
      const { ctx } = makeContext();
      const issued = await issuer.create(target({ length: 48, alphabet }), ctx);
      expect(issued.material.value).to.match(shape);
      await issuer.verify(issued, target({ length: 48, alphabet }), ctx);
    });
  }

  it('printable leaves out space and quotes, and uses every other visible ASCII character', () => {
    const chars = NAMED_ALPHABETS.printable!;
    for (const c of [' ', '"', "'", '`']) expect(chars).to.not.include(c);
    expect(chars.length).to.equal(94 - 3);
    expect(chars).to.include('~').and.include('!').and.include('\\');
  });

  it('puts the prefix in front, not counted in the length', async () => {
    const { ctx } = makeContext();
    const issued = await issuer.create(target({ length: 20, prefix: 'whsec_' }), ctx);
    expect(issued.material.value).to.match(/^whsec_[0-9A-Za-z]{20}$/);
  });

  it('refuses lengths under 16 unless allowShort, and bad alphabets, as configuration errors', async () => {
    const { ctx } = makeContext();
    const short = await rejectionOf(issuer.create(target({ length: 8 }), ctx));
    expect(short.code).to.equal('ECONFIG');
    expect((short as unknown as { details: { where: string } }).details.where).to.equal('rotation.yaml:10:5');
    const issued = await issuer.create(target({ length: 8, allowShort: true }), ctx);
    expect(issued.material.value).to.have.length(8);
    expect((await rejectionOf(issuer.create(target({ alphabet: 'base32' }), ctx))).code).to.equal('ECONFIG');
    expect((await rejectionOf(issuer.create(target({ alphabet: 'custom:aab' }), ctx))).message).to.include('repeats');
  });

  it('knows its named alphabets only: a name inherited by every object (toString, constructor) is no alphabet', () => {
    expect((parseAlphabet('hex') as Alphabet).chars.join('')).to.equal('0123456789abcdef');
    expect(parseAlphabet('hex')).to.equal(parseAlphabet('hex'));
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty'])
      expect(parseAlphabet(name), name)
        .to.be.a('string')
        .and.match(/^unknown alphabet/);
  });

  it('is uniform over many samples (chi-square), and the same bound catches modulo bias', () => {
    const base62 = parseAlphabet('base62') as Alphabet;
    const values = Array.from({ length: 5000 }, () => randomString(base62, 40));
    // 61 degrees of freedom: p = 0.001 at about 100.9; 120 keeps the test from flaking
    const bound = 120;
    expect(chiSquare(values, base62.chars)).to.be.below(bound);

    // the naive byte % 62 a careless generator would use gives the first 8 characters 25% more weight
    const biased = Array.from({ length: 5000 }, () => Array.from(randomBytes(40), (b) => base62.chars[b % 62]!).join(''));
    expect(chiSquare(biased, base62.chars)).to.be.above(bound * 4);
  });

  it('verify rejects a value of the wrong length, alphabet or prefix without quoting it', async () => {
    const { ctx } = makeContext();
    const spec = { length: 32, alphabet: 'hex', prefix: 'tok_' };
    const good = await issuer.create(target(spec), ctx);
    await issuer.verify(good, target(spec), ctx);
    const wrong = ['tok_' + 'a'.repeat(31), 'tok_' + 'g'.repeat(32), 'tk_' + 'a'.repeat(33)];
    for (const value of wrong) {
      const error = await rejectionOf(issuer.verify({ keyId: good.keyId, material: { value } }, target(spec), ctx));
      expect(error.code).to.equal('EVERIFY');
      expect(error.message).to.not.include(value);
    }
  });

  it('gives a random key id unrelated to the value', async () => {
    const { ctx } = makeContext();
    const a = await issuer.create(target({ length: 16, alphabet: 'hex' }), ctx);
    const b = await issuer.create(target({ length: 16, alphabet: 'hex' }), ctx);
    expect(a.keyId).to.match(/^rnd_[0-9a-f]{12}$/);
    expect(a.keyId).to.not.equal(b.keyId);
    const hex = a.keyId.slice(4);
    expect(a.material.value).to.not.include(hex);
    expect(createHash('sha256').update(a.material.value!).digest('hex')).to.not.include(hex);
  });

  it('revoke does nothing and has no isDead: nothing is held outside the store', async () => {
    const { ctx, logs } = makeContext();
    await issuer.revoke('rnd_000000000000', target({}), ctx);
    expect(issuer.isDead).to.equal(undefined);
    expect(await logs()).to.include('nothing to revoke');
  });

  it('describes what it will do without a secret', () => {
    expect(issuer.describe(target({ length: 48, alphabet: 'hex' }))).to.equal('generate 48 random hex characters');
  });
});
