import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { ExitCode } from '../../src/errors.js';
import { problemAt, spots, TempDir, yamlWith } from './helpers.js';

const KEY = `  - id: k
    purpose: p
    issuer: tokens
    period: 30d
`;

describe('loadConfig problems', () => {
  const tmp = new TempDir();
  beforeEach(() => tmp.create());
  afterEach(() => tmp.remove());

  it('a missing file is a ConfigError naming it (exit code 2)', async () => {
    const file = path.join(process.cwd(), 'no-such-dir', 'rotation.yaml');
    const error = await loadConfig(file).then(
      () => expect.fail('loaded a missing file'),
      (e: unknown) => e as ConfigError,
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.code).to.equal('ECONFIG');
    expect(error.exitCode).to.equal(ExitCode.usage);
    expect(error.problems).to.have.length(1);
    expect(error.problems[0]).to.include({ file, line: 0, column: 0, path: '' });
    expect(error.message).to.include(`no such file: ${file}`);
  });

  it('YAML syntax error: line, column and the path around it', async () => {
    const error = await tmp.refuse(`version: 1
keys:
  - id: a
    tags: [one, two
    purpose: x
`);
    expect(error.problems).to.have.length.greaterThan(0);
    const first = error.problems[0]!;
    // the yaml package notices the unclosed [ where the next entry starts
    expect(first.message).to.equal('YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]');
    expect([first.line, first.column]).to.deep.equal([5, 5]);
    expect(first.path).to.match(/^keys\[0\]/);
    expect(error.message).to.include(':5:5  keys[0]');
  });

  it('duplicate mapping key: at the second occurrence, loading continues to other problems', async () => {
    const error = await tmp.refuse(
      yamlWith(`  - id: k
    purpose: p
    issuer: tokens
    period: 30d
    period: 60d
    tier: fast
`),
    );
    expect(spots(error)).to.deep.equal([
      [15, 5, 'keys[0].period'],
      [16, 11, 'keys[0].tier'],
    ]);
    expect(error.problems[0]!.message).to.match(/^duplicate field/);
  });

  it('schema type error, with the value position and path', async () => {
    const error = await tmp.refuse(yamlWith(KEY, 'defaults:\n  concurrency: many\n'));
    expect(spots(error)).to.deep.equal([[11, 16, 'defaults.concurrency']]);
    expect(error.problems[0]!.message).to.equal('must be a whole number, not a string');
  });

  it('unknown enum value, with a suggestion', async () => {
    const error = await tmp.refuse(yamlWith(`${KEY}    tier: nromal\n`));
    const problem = problemAt(error, 'keys[0].tier');
    expect([problem.line, problem.column]).to.deep.equal([15, 11]);
    expect(problem.message).to.equal('unknown value `nromal`; expected one of: high-frequency, normal, read-only, one-time, withdrawal');
    expect(problem.hint).to.equal('did you mean `normal`?');
  });

  it('unknown field, pointing at its name, with a suggestion', async () => {
    const error = await tmp.refuse(yamlWith(`${KEY}    holder: [alice]\n`));
    expect(spots(error)).to.deep.equal([[15, 5, 'keys[0].holder']]);
    expect(error.problems[0]!.message).to.equal('unknown field `holder`');
    expect(error.problems[0]!.hint).to.equal('did you mean `holders`?');
  });

  it('bad duration', async () => {
    const error = await tmp.refuse(
      yamlWith(`  - id: k
    purpose: p
    issuer: tokens
    period: 30 days
    overlap: 5
`),
    );
    expect(spots(error)).to.deep.equal([
      [14, 13, 'keys[0].period'],
      [15, 14, 'keys[0].overlap'],
    ]);
    expect(error.problems[0]!.message).to.equal('`30 days` is not a duration');
    expect(error.problems[1]!.message).to.equal('must be a string, not a whole number');
    expect(error.problems[1]!.hint).to.equal('a duration needs a unit, e.g. 30d or 0s');
  });

  it('missing environment variable: at that scalar, and not reported again by the schema', async () => {
    const error = await tmp.refuse(
      yamlWith(`  - id: k
    purpose: p
    issuer: tokens
    period: \${ROTATE_EVERY}
    path: "ok/\${SET}"
`),
      { SET: 'yes' },
    );
    expect(spots(error)).to.deep.equal([[14, 13, 'keys[0].period']]);
    expect(error.problems[0]!.message).to.equal('environment variable ${ROTATE_EVERY} not set');
  });

  it('unknown issuer, store and holder references', async () => {
    const error = await tmp.refuse(
      yamlWith(`  - id: k
    purpose: p
    issuer: tokenz
    store: remote
    period: 30d
    holders: [alice, bob, team:ops, team:sre]
`),
    );
    expect(spots(error)).to.deep.equal([
      [13, 13, 'keys[0].issuer'],
      [14, 12, 'keys[0].store'],
      [16, 22, 'keys[0].holders[1]'],
      [16, 37, 'keys[0].holders[3]'],
    ]);
    expect(error.problems.map((p) => p.message)).to.deep.equal([
      'unknown issuer `tokenz`',
      'unknown store `remote`',
      'unknown holder `bob`',
      'unknown team `sre`',
    ]);
    expect(error.problems[0]!.hint).to.equal('did you mean `tokens`?');
  });

  it('unknown people and teams in membership lists', async () => {
    const error = await tmp.refuse(`version: 1
people:
  alice: { teams: [ops, dev] }
teams:
  ops: { members: [alice, zoe] }
`);
    expect(spots(error)).to.deep.equal([
      [3, 25, 'people.alice.teams[1]'],
      [5, 27, 'teams.ops.members[1]'],
    ]);
  });

  it('duplicate key id, pointing back at the first', async () => {
    const error = await tmp.refuse(yamlWith(`${KEY}${KEY}`));
    expect(spots(error)).to.deep.equal([[15, 9, 'keys[1].id']]);
    expect(error.problems[0]!.message).to.equal('duplicate key id `k`: keys[0] (line 11) has it too');
  });

  it('two keys at the same store path', async () => {
    const error = await tmp.refuse(
      yamlWith(`${KEY}    path: shared\n  - id: other\n    purpose: q\n    issuer: tokens\n    period: 30d\n    path: shared\n`),
    );
    expect(spots(error)).to.deep.equal([[20, 11, 'keys[1].path']]);
  });

  it('a key without period, tier or ttl; a key without a store when several exist', async () => {
    const error = await tmp.refuse(`version: 1
stores:
  a: { type: file, path: a.enc }
  b: { type: file, path: b.enc }
issuers:
  tokens: { type: random }
keys:
  - id: k
    purpose: p
    issuer: tokens
`);
    expect(spots(error)).to.deep.equal([
      [8, 5, 'keys[0].store'],
      [8, 5, 'keys[0].period'],
    ]);
  });

  it('a literal secret is refused (rule secret-in-config) and never echoed', async () => {
    const secret = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6';
    const aws = 'AKIAIOSFODNN7EXAMPLE';
    const error = await tmp.refuse(
      `version: 1
stores:
  vault: { type: vault, address: "https://vault:8200", token: s.abcdefghijklmnop }
  file: { type: file, path: s.enc, masterKeyFile: m.key }
issuers:
  exchange:
    type: binance
    apiKey: \${BINANCE_KEY}
    apiSecret: ${secret}
notify:
  webhooks:
    - url: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX
keys:
  - id: k
    purpose: p
    issuer: exchange
    store: file
    period: 30d
    spec: { accessKeyId: ${aws}, secretKey: "\${S:-literal-default}", secretName: prod/key, passwordLength: 32 }
`,
      { BINANCE_KEY: 'set' },
    );
    const secrets = error.problems.filter((p) => p.message.startsWith('secret-in-config: '));
    expect(secrets.map((p) => [p.line, p.column, p.path])).to.deep.equal([
      [3, 63, 'stores.vault.token'],
      [9, 16, 'issuers.exchange.apiSecret'],
      [12, 12, 'notify.webhooks[0].url'],
      [19, 26, 'keys[0].spec.accessKeyId'],
      [19, 59, 'keys[0].spec.secretKey'],
    ]);
    // vault takes its token from VAULT_TOKEN or a tokenFile, and binance its management key
    // from a store: the schema says where each belongs; a binance key's spec names its sub-account
    expect(error.problems.filter((p) => !secrets.includes(p)).map((p) => p.message)).to.deep.equal([
      'unknown field `token`',
      'missing required field `managementKey`',
      'unknown field `apiKey`',
      'unknown field `apiSecret`',
      "is required: the sub-account's email",
      'unknown spec field `accessKeyId`',
      'unknown spec field `secretKey`',
      'unknown spec field `secretName`',
      'unknown spec field `passwordLength`',
    ]);
    expect(secrets.find((p) => p.path === 'issuers.exchange.apiSecret')!.message).to.include('64 letters and digits');
    expect(problemAt(error, 'keys[0].spec.accessKeyId').message).to.include('AWS access key id');
    for (const text of [error.message, JSON.stringify(error.problems)]) {
      expect(text).to.not.include(secret);
      expect(text).to.not.include(aws);
      expect(text).to.not.include('s.abcdefghijklmnop');
      expect(text).to.not.include('literal-default');
      expect(text).to.not.include('XXXXXXXXXXXXXXXXXXXXXXXX');
    }
  });

  it('reports every problem of every kind at once, in file order, one line each', async () => {
    const error = await tmp.refuse(
      `version: 1
defaults: { concurrency: lots }
stores:
  local: { type: file, path: s.enc }
issuers:
  tokens: { type: random, password: hunter2hunter2 }
people:
  alice: {}
keys:
  - id: a
    purpose: p
    issuer: tokenz
    period: 30 days
    tier: slow
    holders: [bob]
  - id: a
    purpose: q
    issuer: tokens
    ttl: \${TTL}
`,
      {},
    );
    expect(spots(error)).to.deep.equal([
      [2, 26, 'defaults.concurrency'],
      [6, 27, 'issuers.tokens.password'],
      [6, 37, 'issuers.tokens.password'],
      [12, 13, 'keys[0].issuer'],
      [13, 13, 'keys[0].period'],
      [14, 11, 'keys[0].tier'],
      [15, 15, 'keys[0].holders[0]'],
      [16, 9, 'keys[1].id'],
      [19, 10, 'keys[1].ttl'],
    ]);
    const file = path.join(error.problems[0]!.file);
    const lines = error.message.split('\n');
    expect(lines[0]).to.equal(`${file}: 9 problems`);
    expect(lines[1]).to.equal(`${file}:2:26  defaults.concurrency  must be a whole number, not a string`);
    expect(lines[4]).to.equal(`${file}:12:13  keys[0].issuer  unknown issuer \`tokenz\` (did you mean \`tokens\`?)`);
    expect(lines[2]).to.match(/:6:27 {2}issuers\.tokens\.password {2}unknown field `password`/);
    expect(lines[3]).to.match(/:6:37 {2}issuers\.tokens\.password {2}secret-in-config: `password` holds a literal value/);
    expect(lines).to.have.length(10);
    expect(error.message).to.not.include('hunter2hunter2');
  });

  it('issuer timeouts take what the issuers read (ms, 1.5s, 1m30s) and refuse zero and spaces', async () => {
    const error = await tmp.refuse(`version: 1
issuers:
  a: { type: command, create: x, revoke: y, timeout: 1m30s }
  b: { type: command, create: x, revoke: y, timeout: 0s }
  c: { type: ed25519, timeout: 1.5s }
  d: { type: ed25519, timeout: 30 s }
  e: { type: ed25519, timeout: 2500 }
  f: { type: manual, instructions: hi, timeout: 1s }
`);
    expect(spots(error)).to.deep.equal([
      [4, 54, 'issuers.b.timeout'],
      [6, 32, 'issuers.d.timeout'],
      [8, 40, 'issuers.f.timeout'],
    ]);
    expect(error.problems.map((p) => p.message)).to.deep.equal([
      'a timeout must be longer than 0',
      '`30 s` is not a timeout',
      'unknown field `timeout`',
    ]);
  });
});
