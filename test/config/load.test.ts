import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { staticFindings } from '../../src/policy/static.js';
import { spots, TempDir, yamlWith } from './helpers.js';

describe('loadConfig', () => {
  const tmp = new TempDir();
  beforeEach(() => tmp.create());
  afterEach(() => tmp.remove());

  it('loads the demo rotation.yaml at the top of the repository', async () => {
    const file = path.join(process.cwd(), 'rotation.yaml');
    const { config } = await loadConfig(file, { env: {} });
    const findings = staticFindings(config);
    expect(config.file).to.equal(file);
    expect(config.dir).to.equal(process.cwd());
    expect(config.hash).to.equal(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(config.keys.map((k) => k.id)).to.deep.equal([
      'grid-bot-api',
      'market-data-api',
      'grid-bot-webhook-secret',
      'report-signing-key',
    ]);
    expect(config.defaults).to.deep.equal({ store: 'local', overlapMs: 0, consumerTimeoutMs: 30_000, leaseTtlMs: 900_000, concurrency: 4 });
    expect(config.stores.local).to.deep.equal({
      name: 'local',
      type: 'file',
      options: { path: '.keyturn/store.enc', masterKeyFile: '.keyturn/master.key' },
      // typed by the file store's parseOptions at load (src/stores/file/options.ts)
      settings: { path: '.keyturn/store.enc', masterKeyFile: '.keyturn/master.key' },
    });
    expect(config.issuers.signing!.settings).to.deep.include({
      register: ['node', 'dist/scripts/demo-registry.js', 'register'],
      timeoutMs: 60_000,
    });
    expect(config.keys[0]!.issuerSpec, 'each key carries its typed spec').to.not.equal(undefined);
    expect(config.issuers.signing!.options.register).to.deep.equal(['node', 'dist/scripts/demo-registry.js', 'register']);
    // the management key is named by store and path; its value is never in the file
    expect(config.issuers.exchange!.options).to.deep.equal({
      baseUrl: 'http://127.0.0.1:47900',
      managementKey: { store: 'local', path: 'exchange/management' },
    });

    const grid = config.keys[0]!;
    expect(grid.position).to.deep.equal({ file, line: 51, column: 5 });
    expect(grid.store).to.equal('local');
    expect(grid.periodMs).to.equal(30 * 86_400_000);
    expect(grid.overlapMs).to.equal(120_000);
    expect(grid.tier).to.equal('high-frequency');
    expect(grid.spec).to.deep.equal({ email: 'grid@sub.sandbox.test', keyType: 'hmac' });
    expect(grid.restrictions).to.deep.equal({ permissions: ['reading', 'spot'], ipWhitelist: ['127.0.0.1'], account: 'sub' });
    expect(grid.consumers).to.deep.equal([
      {
        name: 'grid-bot',
        timeoutMs: 30_000,
        env: { BINANCE_API_KEY: 'apiKey', BINANCE_API_SECRET: 'secret' },
        restart: {
          kind: 'command',
          command: [
            'node',
            'dist/scripts/demo-bot.js',
            'restart',
            '--name',
            'grid-bot',
            '--port',
            '47811',
            '--base-url',
            'http://127.0.0.1:47900',
            '--call',
            'order-test',
            '--rate',
            '10',
            '--exit-after',
            '10m',
          ],
        },
        health: { kind: 'http', url: 'http://127.0.0.1:47811/health', expectStatus: 200, timeoutMs: 2000, retries: 25, intervalMs: 200 },
      },
    ]);
    const reader = config.keys[1]!;
    expect([reader.periodMs, reader.tier, reader.restrictions.permissions]).to.deep.equal([180 * 86_400_000, 'read-only', ['reading']]);
    expect(config.keys[2]!.spec).to.deep.equal({ length: 48, alphabet: 'base62' });
    expect(config.keys[3]!.spec).to.deep.equal({});
    expect(config.keys[3]!.restrictions).to.deep.equal({ permissions: [] });
    // membership is complete from both sides: alice lists team trading, the team lists carol
    expect(config.teams.trading!.members).to.have.members(['carol', 'alice']);
    expect(config.people.carol!.teams).to.deep.equal(['trading']);
    // the demo is policy-clean apart from advice
    expect(findings.filter((f) => f.severity !== 'info')).to.deep.equal([]);
  });

  it('applies the documented defaults', async () => {
    const { config } = await tmp.load(`version: 1
stores:
  only: { type: file, path: s.enc }
issuers:
  tokens: { type: random }
keys:
  - id: k
    purpose: p
    issuer: tokens
    period: 1h30m
    consumers:
      - name: a
        restart: { command: "systemctl reload a && echo done" }
        health: { command: [curl, -f, "http://x"] }
      - name: b
        restart: { systemd: b.service }
        health: { url: "http://127.0.0.1/health" }
        timeout: 2m
      - name: c
        restart: { docker: c }
      - name: d
        restart: { kubernetes: d, namespace: prod, context: eu }
      - name: e
        restart: { pm2: e }
    checks:
      - name: smoke
        command: test -n "$X"
        timeout: 10s
`);
    expect(config.defaults).to.deep.equal({ overlapMs: 0, consumerTimeoutMs: 30_000, leaseTtlMs: 900_000, concurrency: 4 });
    expect(config.notify).to.deep.equal({ webhooks: [] });
    const key = config.keys[0]!;
    expect(key.store).to.equal('only');
    expect(key.path).to.equal('k');
    expect(key.periodMs).to.equal(5_400_000);
    expect(key.overlapMs).to.equal(0);
    expect(key.holders).to.deep.equal([]);
    expect(key.tags).to.deep.equal([]);
    expect(key.tier).to.equal(undefined);
    const [a, b, c, d, e] = key.consumers;
    expect(a).to.deep.equal({
      name: 'a',
      timeoutMs: 30_000,
      env: {},
      restart: { kind: 'command', command: ['sh', '-c', 'systemctl reload a && echo done'] },
      health: { kind: 'command', command: ['curl', '-f', 'http://x'], timeoutMs: 5000, retries: 3, intervalMs: 1000 },
    });
    expect(b!.restart).to.deep.equal({ kind: 'systemd', unit: 'b.service' });
    expect(b!.health).to.deep.equal({
      kind: 'http',
      url: 'http://127.0.0.1/health',
      expectStatus: 200,
      timeoutMs: 5000,
      retries: 3,
      intervalMs: 1000,
    });
    expect(b!.timeoutMs).to.equal(120_000);
    expect(c!.restart).to.deep.equal({ kind: 'docker', container: 'c' });
    expect(d!.restart).to.deep.equal({ kind: 'kubernetes', deployment: 'd', namespace: 'prod', context: 'eu' });
    expect(e!.restart).to.deep.equal({ kind: 'pm2', process: 'e' });
    expect(key.checks).to.deep.equal([{ name: 'smoke', command: ['sh', '-c', 'test -n "$X"'], timeoutMs: 10_000, env: {} }]);
  });

  it('takes defaults.* for keys that do not set their own, and keeps relative paths as written', async () => {
    const { config } = await tmp.load(`version: 1
defaults: { store: b, issuer: tokens, overlap: 1h, tier: normal, consumerTimeout: 1m, leaseTtl: 5m, concurrency: 8 }
stores:
  a: { type: file, path: ./a.enc }
  b: { type: file, path: ../elsewhere/b.enc, masterKeyFile: keys/master.key }
issuers:
  tokens: { type: random }
notify:
  webhooks:
    - url: https://hooks.example.com/x
keys:
  - id: k
    purpose: p
    consumers: [{ name: c }]
  - id: own
    purpose: q
    store: a
    path: custom/place
    overlap: 10m
    tier: read-only
    ttl: 2h
`);
    expect(config.defaults).to.deep.equal({
      store: 'b',
      issuer: 'tokens',
      tier: 'normal',
      overlapMs: 3_600_000,
      consumerTimeoutMs: 60_000,
      leaseTtlMs: 300_000,
      concurrency: 8,
    });
    const [k, own] = config.keys;
    expect([k!.store, k!.issuer, k!.tier, k!.overlapMs, k!.consumers[0]!.timeoutMs]).to.deep.equal([
      'b',
      'tokens',
      'normal',
      3_600_000,
      60_000,
    ]);
    expect([own!.store, own!.path, own!.tier, own!.overlapMs, own!.ttlMs]).to.deep.equal([
      'a',
      'custom/place',
      'read-only',
      600_000,
      7_200_000,
    ]);
    expect(config.stores.b!.options).to.deep.equal({ path: '../elsewhere/b.enc', masterKeyFile: 'keys/master.key' });
    expect(config.notify.webhooks).to.deep.equal([{ url: 'https://hooks.example.com/x', events: ['failure', 'attention', 'summary'] }]);
  });

  it('interpolates ${VAR}, ${VAR:-default} and $${ in values, never in field names', async () => {
    const { config } = await tmp.load(
      yamlWith(`  - id: k
    purpose: "\${TEAM} key"
    issuer: tokens
    period: \${PERIOD:-30d}
    path: \${EMPTY:-fallback}/\${EMPTY}x
    tags: ["$\${LITERAL}", "cost $5", "\${TEAM}"]
    consumers:
      - name: c
        restart: { command: "echo $\${HOME}" }
`),
      { TEAM: 'trading', EMPTY: '' },
    );
    const key = config.keys[0]!;
    expect(key.purpose).to.equal('trading key');
    expect(key.periodMs).to.equal(30 * 86_400_000);
    expect(key.path).to.equal('fallback/x');
    expect(key.tags).to.deep.equal(['${LITERAL}', 'cost $5', 'trading']);
    expect(key.consumers[0]!.restart).to.deep.equal({ kind: 'command', command: ['sh', '-c', 'echo ${HOME}'] });
  });

  it('finds ${VAR} in any key, on the last line of a key, and in sections after the keys', async () => {
    const key = (id: string, extra = '') => `  - id: ${id}\n    purpose: p ${id}\n    issuer: tokens\n    period: 30d\n${extra}`;
    const text =
      yamlWith(key('a') + key('b', '    path: ${B_PATH}\n') + key('c') + key('d', '    tags: [x, "${D_TAG}"]')) +
      '\nnotify:\n  webhooks: [{ url: "${HOOK}" }]\n';
    const { config } = await tmp.load(text, { B_PATH: 'bee', D_TAG: 'dee', HOOK: 'https://h.example/x' });
    expect(config.keys.map((k) => k.path)).to.deep.equal(['a', 'bee', 'c', 'd']);
    expect(config.keys[3]!.tags).to.deep.equal(['x', 'dee']);
    expect(config.notify.webhooks[0]!.url).to.equal('https://h.example/x');
    const error = await tmp.refuse(text, { B_PATH: 'bee', HOOK: 'https://h.example/x' });
    expect(spots(error)).to.deep.equal([[28, 15, 'keys[3].tags[1]']]);
  });

  it('reads YAML outside the fast subset (anchors, merge keys, block scalars) through the yaml package, positions included', async () => {
    const { config } = await tmp.load(`version: 1
stores:
  local: { type: file, path: s.enc }
issuers:
  ops:
    type: manual
    instructions: |
      Open the console.
      Create the key.
x-common: &common
  issuer: ops
  period: 30d
keys:
  - <<: *common
    id: merged
    purpose: a
  - id: b
    purpose: >
      folded
      text
    issuer: ops
    period: 7d
`);
    expect(config.issuers.ops!.options.instructions).to.equal('Open the console.\nCreate the key.\n');
    expect(config.keys[1]!.purpose).to.equal('folded text\n');
    expect([config.keys[0]!.issuer, config.keys[0]!.periodMs]).to.deep.equal(['ops', 30 * 86_400_000]);
    expect(config.keys[0]!.position).to.include({ line: 14, column: 5 });
    expect(config.keys[1]!.position.line).to.equal(17);
    expect(config.keys[1]!.position.column).to.equal(5);
  });
});
