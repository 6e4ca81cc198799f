/**
 * A command issuer that declares `fields` promises that its create prints them (validate
 * checks the env mappings against them): a create that prints fewer fails at create,
 * before anything is staged, naming the missing field and never the secret.
 */
import { expect } from 'chai';
import { createCommandIssuer } from '../../src/issuers/command.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf, tempDir, writeScript } from './support.js';

const API_KEY = 'AKIA7EXAMPLE7KEY7ID';

function issuerPrinting(material: Record<string, string>, fields: string[]) {
  const dir = tempDir();
  const config = issuerConfig('command', {
    create: [writeScript(dir, 'create.sh', `echo '${JSON.stringify({ keyId: 'k-1', material })}'`)],
    revoke: [writeScript(dir, 'revoke.sh', 'true')],
    fields,
  });
  return { issuer: createCommandIssuer(config), target: { key: keyConfig({ id: 'exchange-key' }), issuer: config } };
}

describe('command issuer: declared fields', () => {
  it('fails create when the script prints fewer fields than declared, without quoting the material', async () => {
    const { issuer, target } = issuerPrinting({ apiKey: API_KEY }, ['apiKey', 'secret']);
    const { ctx } = makeContext();
    const error = await rejectionOf(issuer.create(target, ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('printed no `secret` (declared in `fields`)');
    expect(error.message).to.not.include(API_KEY);
  });

  it('accepts a create that prints every declared field (and more)', async () => {
    const material = { apiKey: API_KEY, secret: 'sk_live_Q7f2xv9LmP4tR8wZ', extra: 'x-value-123' };
    const { issuer, target } = issuerPrinting(material, ['apiKey', 'secret']);
    const { ctx } = makeContext();
    const issued = await issuer.create(target, ctx);
    expect(Object.keys(issued.material)).to.deep.equal(['apiKey', 'secret', 'extra']);
  });
});
