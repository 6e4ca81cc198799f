import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { TempDir } from './helpers.js';

/** The fenced yaml block under a heading of a doc. */
function exampleUnder(doc: string, heading: string): string {
  const text = readFileSync(path.join(process.cwd(), 'docs', doc), 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  expect(at, `${heading} in docs/${doc}`).to.be.greaterThan(-1);
  const match = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  if (!match) expect.fail(`no yaml block under ${heading}`);
  return match[1]!;
}

describe('docs/rotation-yaml.md', () => {
  const tmp = new TempDir();
  beforeEach(() => tmp.create());
  afterEach(() => tmp.remove());

  it('its full example loads, with no error-level finding', async () => {
    const { config, findings } = await tmp.load(exampleUnder('rotation-yaml.md', '## Full example'), {});
    expect(config.keys.map((k) => k.id)).to.deep.equal([
      'grid-bot-webhook-secret',
      'grid-bot-binance',
      'market-data-db-password',
      'report-signing-key',
      'debug-session',
    ]);
    expect(config.notify.webhooks[0]!.url).to.equal('https://alerts.example.com/keyturn');
    expect(config.keys[2]!.tier).to.equal('read-only');
    expect(config.keys[4]!.ttlMs).to.equal(4 * 3_600_000);
    expect(findings.filter((f) => f.severity === 'error')).to.deep.equal([]);
  });
});
