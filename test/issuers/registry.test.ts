import { expect } from 'chai';
import { IssuerSet, issuerTypes, loadIssuer } from '../../src/issuers/registry.js';
import { issuerConfig, rejectionOf } from './support.js';

describe('issuer registry', () => {
  it('loads each known type and checks its shape', async () => {
    expect(issuerTypes()).to.include.members(['random', 'ed25519', 'command', 'manual']);
    const options: Record<string, Record<string, unknown>> = {
      command: { create: 'true', revoke: 'true' },
      binance: { managementKey: { store: 'local', path: 'exchange/management' } },
      postgres: { host: '127.0.0.1', admin: { store: 'local', path: 'admin/postgres' } },
    };
    for (const type of issuerTypes()) {
      const issuer = await loadIssuer(issuerConfig(type, options[type] ?? {}));
      expect(issuer.type).to.equal(type);
      expect(issuer.create).to.be.a('function');
    }
  });

  it('an unknown type, or a bad option, is a configuration error', async () => {
    const unknown = await rejectionOf(loadIssuer(issuerConfig('carrier-pigeon')));
    expect(unknown.code).to.equal('ECONFIG');
    expect(unknown.message).to.equal('issuer under-test has unknown type "carrier-pigeon"');
    expect((await rejectionOf(loadIssuer(issuerConfig('toString')))).code).to.equal('ECONFIG');
    expect((await rejectionOf(loadIssuer(issuerConfig('command', { create: 'true' })))).code).to.equal('ECONFIG');
  });

  it('IssuerSet builds one instance per configured issuer, and names an unknown one', async () => {
    const set = new IssuerSet({ tokens: issuerConfig('random', {}, 'tokens'), signing: issuerConfig('ed25519', {}, 'signing') });
    const [a, b] = await Promise.all([set.get('tokens'), set.get('tokens')]);
    expect(a).to.equal(b);
    expect(await set.get('tokens')).to.equal(a);
    expect((await set.get('signing')).type).to.equal('ed25519');
    const error = await rejectionOf(set.get('nope'));
    expect(error.code).to.equal('ECONFIG');
    expect(error.message).to.include('no issuer named nope');
  });

  it('IssuerSet does not cache a failed load', async () => {
    const configs = { broken: issuerConfig('command', { create: 'true' }, 'broken') };
    const set = new IssuerSet(configs);
    expect((await rejectionOf(set.get('broken'))).code).to.equal('ECONFIG');
    configs.broken.options.revoke = 'true';
    expect((await set.get('broken')).type).to.equal('command');
  });
});
