/**
 * A key's spec is parsed at config load by its issuer type's own parser, and issuer and
 * store types are checked against the ones keyturn has: `keyturn validate` refuses what
 * `plan` would, with file:line:column, the field path and a hint.
 */
import { expect } from 'chai';
import { fileWith, ValidateDir } from './validate-cli.js';

describe('keyturn validate: issuer specs and types', function () {
  this.timeout(60_000);
  const dir = new ValidateDir();
  beforeEach(() => dir.create());
  afterEach(() => dir.remove());

  const randomKey = (spec: string) => fileWith(`    issuer: tokens\n    period: 30d\n    spec: { ${spec} }\n`);

  const lengths: Array<[string, RegExp]> = [
    ['"48"', /must be a positive whole number, not "48" \(write the number without quotes\)/],
    ['8', /8 is shorter than 16 \(set spec.allowShort: true/],
    ['-1', /must be a positive whole number, not -1/],
    ['48.5', /must be a positive whole number, not 48.5/],
    ['1e308', /must be at most 4096/],
  ];
  for (const [length, message] of lengths) {
    it(`refuses a random key's length ${length} at spec.length`, async () => {
      const refusal = await dir.refuse(randomKey(`length: ${length}`));
      expect(refusal.problems).to.have.length(1);
      expect(refusal.problems[0]).to.match(/^12:21 {2}keys\[0\]\.spec\.length {2}/);
      expect(refusal.problems[0]).to.match(message);
    });
  }

  it('refuses an unknown alphabet (suggesting the nearest), a prefix that is not a string, and a misspelt field', async () => {
    const refusal = await dir.refuse(randomKey('alphabet: base63, prefix: 5, lenght: 48'));
    expect(refusal.problems).to.deep.equal([
      '12:23  keys[0].spec.alphabet  unknown alphabet "base63" ' +
        '(base62, alnum, hex, base64url, printable or custom:<chars>) (did you mean `base62`?)',
      '12:39  keys[0].spec.prefix  must be a string, not 5 (quote it: prefix: "5")',
      '12:50  keys[0].spec.lenght  unknown spec field `lenght` (did you mean `length`?)',
    ]);
  });

  it('accepts what the random issuer accepts: a short length with allowShort, a custom alphabet, a prefix', async () => {
    await dir.accept(randomKey('length: 8, allowShort: true, alphabet: "custom:abcdef", prefix: tok_'));
  });

  it("parses the other issuers' specs too: manual patterns, aws-iam user, binance email, none for ed25519", async () => {
    const issuers = `  byhand: { type: manual }
  iam: { type: aws-iam }
  exchange: { type: binance, managementKey: { store: local, path: mk } }
  signing: { type: ed25519 }
`;
    const key = (id: string, issuer: string, spec: string) =>
      `  - { id: ${id}, purpose: ${id}, store: local, issuer: ${issuer}, period: 30d, spec: { ${spec} } }\n`;
    const refusal = await dir.refuse(`version: 1
stores:
  local: { type: file, path: store.enc }
issuers:
${issuers}keys:
${key('a', 'byhand', 'apiKeyPattern: "[a-z"')}${key('b', 'iam', 'user: "not a user"')}\
${key('c', 'exchange', 'keyType: rsa')}${key('d', 'signing', 'length: 48')}`);
    expect(refusal.problems.map((p) => p.replace(/^\d+:\d+ {2}/, ''))).to.deep.equal([
      'keys[0].spec.apiKeyPattern  is not a valid regular expression',
      'keys[1].spec.user  is not an IAM user name (1 to 64 of letters, digits and +=,.@_-)',
      "keys[2].spec.email  is required: the sub-account's email",
      'keys[2].spec.keyType  must be hmac or ed25519, not "rsa"',
      'keys[3].spec.length  unknown spec field `length` (a `ed25519` key takes no spec)',
    ]);
  });

  it('refuses an unknown issuer type and an unknown store type, each at its `type`, with a suggestion', async () => {
    const refusal = await dir.refuse(`version: 1
stores:
  local: { type: valt }
issuers:
  tokens: { type: randon }
keys:
  - { id: k, purpose: p, issuer: tokens, period: 30d }
`);
    expect(refusal.problems).to.deep.equal([
      '3:18  stores.local.type  unknown value `valt`; expected one of: file, vault, aws-secrets-manager (did you mean `vault`?)',
      '5:19  issuers.tokens.type  unknown value `randon`; ' +
        'expected one of: random, ed25519, command, manual, binance, aws-iam, postgres (did you mean `random`?)',
    ]);
  });
});
