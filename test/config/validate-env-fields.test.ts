/**
 * A consumer's or check's env mapping names a field of the key's material. Each issuer type
 * declares the fields it produces, so a mapping to a field that will not exist is refused by
 * `keyturn validate`, at the mapping, instead of failing a run after promote.
 */
import { expect } from 'chai';
import { fileWith, ValidateDir } from './validate-cli.js';

describe('keyturn validate: env mappings against the issuer’s material fields', function () {
  this.timeout(30_000);
  const dir = new ValidateDir();
  beforeEach(() => dir.create());
  afterEach(() => dir.remove());

  const consumerWith = (env: string) => `    consumers:
      - name: app
        restart: { command: "true" }
        env: { ${env} }
`;

  it('refuses a random key mapped to `valu`, at the mapping, suggesting `value`', async () => {
    const refusal = await dir.refuse(fileWith(`    issuer: tokens\n    period: 30d\n${consumerWith('APP_SECRET: valu')}`));
    expect(refusal.problems).to.deep.equal([
      '15:28  keys[0].consumers[0].env.APP_SECRET  the key has no field `valu`: ' +
        'issuer `tokens` (random) gives `value` (did you mean `value`?)',
    ]);
  });

  it('refuses a check mapped to a field the issuer does not give', async () => {
    const refusal = await dir.refuse(
      fileWith(`    issuer: tokens
    period: 30d
    checks:
      - { name: smoke, command: "true", env: { TOKEN: secret } }
`),
    );
    expect(refusal.problems).to.have.length(1);
    expect(refusal.problems[0]).to.match(/^13:\d+ {2}keys\[0\]\.checks\[0\]\.env\.TOKEN {2}the key has no field `secret`/);
  });

  it('checks each issuer type: ed25519 gives privateKey, manual apiKey and secret, aws-iam its access key pair', async () => {
    const issuers = `  signing: { type: ed25519 }
  byhand: { type: manual }
  iam: { type: aws-iam }
`;
    const key = (issuer: string, env: string, spec = '') => `  - id: ${issuer}-key
    purpose: ${issuer}
    store: local
    issuer: ${issuer}
    period: 30d
${spec}${consumerWith(env).replace('name: app', `name: ${issuer}-app`)}`;
    const text = `version: 1
stores:
  local: { type: file, path: store.enc }
issuers:
${issuers}keys:
${key('signing', 'PEM: privateKey, PUB: publicKey')}\
${key('byhand', 'K: apiKey, S: secret, X: secretKey')}\
${key('iam', 'A: accessKeyId, S: secretAccessKey, T: sessionToken', '    spec: { user: deploy-bot }\n')}`;
    const refusal = await dir.refuse(text);
    expect(refusal.problems.map((p) => p.split('  ').slice(1, 2)[0])).to.deep.equal([
      'keys[0].consumers[0].env.PUB',
      'keys[1].consumers[0].env.X',
      'keys[2].consumers[0].env.T',
    ]);
  });

  it('checks a binance key against its keyType: an Ed25519 key has a privateKey, not a secret', async () => {
    const issuers = '  exchange: { type: binance, managementKey: { store: local, path: mk } }\n';
    const refusal = await dir.refuse(
      fileWith(
        `    issuer: exchange
    spec: { email: bot@sub.example, keyType: ed25519 }
    period: 30d
${consumerWith('KEY: apiKey, SECRET: secret')}`,
        issuers,
      ),
    );
    expect(refusal.problems).to.have.length(1);
    expect(refusal.problems[0]).to.include(
      'keys[0].consumers[0].env.SECRET  the key has no field `secret`: issuer `exchange` (binance) gives `apiKey`, `privateKey`',
    );
  });

  it('checks a command issuer against the fields it declares, and trusts one that declares none', async () => {
    const declared = '  provider: { type: command, create: x, revoke: y, fields: [apiKey, secret] }\n';
    const keyYaml = `    issuer: provider\n    period: 30d\n${consumerWith('KEY: apiKey, SECRET: secrt')}`;
    const refusal = await dir.refuse(fileWith(keyYaml, declared));
    expect(refusal.problems).to.have.length(1);
    expect(refusal.problems[0]).to.include(
      'env.SECRET  the key has no field `secrt`: issuer `provider` (command) gives `apiKey`, `secret` (did you mean `secret`?)',
    );

    const undeclared = '  provider: { type: command, create: x, revoke: y }\n';
    await dir.accept(fileWith(`    issuer: provider\n    period: 30d\n${consumerWith('KEY: anything')}`, undeclared));
  });
});
