/**
 * Store and issuer options are parsed by their type at load: what the schema cannot say
 * (Binance's 60s recvWindow cap, a Vault mount with odd characters,
 * an exchange option without its exchange) is a positioned problem, not a failure mid-run.
 */
import { expect } from 'chai';
import { problemAt, TempDir } from './helpers.js';

const FILE = `version: 1
stores:
  local: { type: file, path: store.enc }
  vault: { type: vault, mount: "kv v2" }
issuers:
  exchange:
    type: binance
    baseUrl: http://127.0.0.1:9
    recvWindow: 90s
    managementKey: { store: local, path: exchange/management }
  desk:
    type: manual
    recvWindow: 5s
keys:
  - id: k
    purpose: p
    issuer: desk
    store: local
    period: 30d
`;

describe('loadConfig: adapter options', () => {
  const tmp = new TempDir();
  beforeEach(() => tmp.create());
  afterEach(() => tmp.remove());

  it('reports what each adapter type refuses in its options, at the option, beside every other problem', async () => {
    const error = await tmp.refuse(FILE);
    expect(problemAt(error, 'stores.vault.mount')).to.include({ line: 4, message: 'may hold only letters, digits, . _ - and /' });
    expect(problemAt(error, 'issuers.exchange.recvWindow')).to.include({ line: 9, message: 'must be at most 60s (Binance refuses more)' });
    expect(problemAt(error, 'issuers.desk.recvWindow').message).to.match(/^needs `exchange: binance`/);
    expect(error.problems).to.have.length(3);
  });

  it('keeps the typed options in the normalized config, for the adapters to use as they are', async () => {
    const { config } = await tmp.load(FILE.replace('"kv v2"', '/kv/').replace('90s', '2500').replace('    recvWindow: 5s\n', ''));
    expect(config.stores.vault!.settings).to.deep.include({ mount: 'kv', prefix: 'keyturn', skipVerify: false });
    expect(config.issuers.exchange!.settings).to.deep.include({
      baseUrl: 'http://127.0.0.1:9',
      recvWindowMs: 2500,
      variant: 'sub-account',
      timeoutMs: 15_000,
    });
    expect(config.issuers.desk!.settings).to.deep.equal({ instructions: undefined });
  });
});
