import { expect } from 'chai';
import type { Restrictions } from '../../src/config/types.js';
import { createManualIssuer, manualKeyId, NOTES } from '../../src/issuers/manual.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf } from './support.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const ROTATION = 'rot-20250102030405-0a1b2c3d';

function setup(restrictions: Restrictions, options: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  const config = issuerConfig('manual', options, 'binance-main');
  const key = keyConfig({ id: 'grid-bot-main', purpose: 'grid bot on the main account', restrictions, spec });
  return { issuer: createManualIssuer(config), target: { key, issuer: config } };
}

const tradingKey: Restrictions = { permissions: ['reading', 'spot'], ipWhitelist: ['203.0.113.7', '198.51.100.20'], account: 'main' };

describe('manual issuer', () => {
  it('tells the operator what to set in Binance wording, then takes the API Key and the hidden Secret Key', async () => {
    const { issuer, target } = setup(tradingKey, { instructions: 'Use the trading@ account; ask Carol for the 2FA device.' });
    const { ctx, prompt, saves, logs } = makeContext({ answers: [API_KEY, SECRET], rotationId: ROTATION });
    const issued = await issuer.create(target, ctx);

    expect(issued.material).to.deep.equal({ apiKey: API_KEY, secret: SECRET });
    expect(issued.keyId).to.equal('manual:vmPUZE6m…Eh8A');
    expect(issued.meta).to.deep.equal({ label: `grid-bot-main-${ROTATION}` });
    expect(prompt.asked).to.deep.equal(['API Key: ', 'Secret Key: ']);

    const said = prompt.said.join('\n');
    expect(said).to.include('"Create API" and choose "System generated"');
    expect(said).to.include(`Label: grid-bot-main-${ROTATION}`);
    expect(said).to.include('Yes — Enable Reading');
    expect(said).to.include('Yes — Enable Spot & Margin Trading');
    for (const off of [
      'Enable Margin Loan, Repay & Transfer',
      'Enable Futures',
      'Enable Vanilla Options',
      'Permits Universal Transfer',
      'Enable Withdrawals',
    ]) {
      expect(said).to.include(`No  — ${off}`);
    }
    expect(said).to.include('choose "Restrict access to trusted IPs only (Recommended)" and enter, one per line:');
    expect(said).to.include('one per line:\n       203.0.113.7\n       198.51.100.20\n  6. Save.');
    expect(said).to.include('Use the trading@ account; ask Carol for the 2FA device.');
    expect(said).to.not.include(SECRET);

    expect(ctx.notes[NOTES.instructionsShown]).to.equal('2025-01-02T03:04:05.000Z');
    expect(ctx.notes[NOTES.enteredKeyId]).to.equal(issued.keyId);
    expect(saves()).to.equal(2);
    expect(JSON.stringify(ctx.notes)).to.not.include(SECRET).and.not.include(API_KEY);

    const logged = await logs();
    expect(logged).to.include('operator entered manual:vmPUZE6m…Eh8A');
    expect(logged).to.not.include(API_KEY).and.not.include(SECRET);
  });

  it('words every permission as the Binance UI does', async () => {
    const { issuer, target } = setup({ permissions: ['margin', 'futures', 'options', 'universal-transfer'], ipWhitelist: ['203.0.113.7'] });
    const { ctx, prompt } = makeContext({ answers: [API_KEY, SECRET] });
    await issuer.create(target, ctx);
    const said = prompt.said.join('\n');
    // Binance keeps reading on for every key
    for (const on of [
      'Enable Reading',
      'Enable Margin Loan, Repay & Transfer',
      'Enable Futures',
      'Enable Vanilla Options',
      'Permits Universal Transfer',
    ]) {
      expect(said).to.include(`Yes — ${on}`);
    }
    expect(said).to.include('No  — Enable Spot & Margin Trading');
  });

  it('never suggests withdrawals without the override, and warns when they are declared', async () => {
    const { issuer, target } = setup({ permissions: ['reading', 'withdrawals'], ipWhitelist: ['203.0.113.7'] });
    const { ctx, prompt } = makeContext({ answers: [API_KEY, SECRET] });
    await issuer.create(target, ctx);
    const said = prompt.said.join('\n');
    expect(said).to.include('No  — Enable Withdrawals');
    expect(said).to.not.include('Yes — Enable Withdrawals');
    expect(said).to.include('WARNING: rotation.yaml lists withdrawals without the reviewed override');

    const allowed = setup({
      permissions: ['reading', 'withdrawals'],
      allowWithdrawals: true,
      withdrawalAddressWhitelist: ['bc1qexample'],
      ipWhitelist: ['203.0.113.7'],
    });
    const second = makeContext({ answers: [API_KEY, SECRET] });
    await allowed.issuer.create(allowed.target, second.ctx);
    const saidAllowed = second.prompt.said.join('\n');
    expect(saidAllowed).to.include('Yes — Enable Withdrawals');
    expect(saidAllowed).to.include('withdrawal address whitelist with only bc1qexample');
  });

  it('warns when no IP whitelist is declared', async () => {
    const { issuer, target } = setup({ permissions: ['reading'] });
    const { ctx, prompt } = makeContext({ answers: [API_KEY, SECRET] });
    await issuer.create(target, ctx);
    expect(prompt.said.join('\n')).to.include('no IP whitelist is declared').and.not.include('Restrict access to trusted IPs only');
  });

  it('asks again for a malformed answer, without echoing it, and gives up after three', async () => {
    const { issuer, target } = setup(tradingKey, {}, { apiKeyPattern: '[A-Za-z0-9]{64}' });
    const spaced = `${API_KEY.slice(0, 20)} ${API_KEY.slice(20)}`;
    const { ctx, prompt } = makeContext({ answers: [spaced, 'tooShort', API_KEY, SECRET] });
    const issued = await issuer.create(target, ctx);
    expect(issued.material.apiKey).to.equal(API_KEY);
    const said = prompt.said.join('\n');
    expect(said).to.include('the API Key contains whitespace');
    expect(said).to.include('the API Key is shorter than 16 characters');
    expect(said).to.not.include('tooShort');

    const stubborn = makeContext({ answers: ['x', 'y', 'z'] });
    const error = await rejectionOf(issuer.create(target, stubborn.ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('no well-formed API Key after 3 attempts');
  });

  it('on resume, says what happened instead of pretending to start fresh', async () => {
    const { issuer, target } = setup(tradingKey);
    const notes = { [NOTES.instructionsShown]: '2025-01-01T00:00:00.000Z', [NOTES.enteredKeyId]: 'manual:AAAAAAAA…ZZZZ' };
    const { ctx, prompt, saves } = makeContext({ answers: [API_KEY, SECRET], notes });
    await issuer.create(target, ctx);
    expect(prompt.said[0]).to.include(
      'This rotation stopped after key manual:AAAAAAAA…ZZZZ was entered, before it was stored. Delete that key in Binance',
    );
    expect(ctx.notes[NOTES.instructionsShown]).to.equal('2025-01-01T00:00:00.000Z');
    expect(saves()).to.equal(1);
  });

  it('without a terminal, refuses with ENOTTY and asks nothing', async () => {
    const { issuer, target } = setup(tradingKey);
    const { ctx, prompt } = makeContext({ interactive: false, answers: [API_KEY, SECRET] });
    const error = await rejectionOf(issuer.create(target, ctx));
    expect(error.code).to.equal('ENOTTY');
    expect(error.message).to.include('the manual issuer');
    expect(prompt.remaining()).to.equal(2);
    expect((await rejectionOf(issuer.revoke('manual:AAAAAAAA…ZZZZ', target, ctx))).code).to.equal('ENOTTY');
  });

  it('verify checks the shape, asks the operator to confirm the restrictions once, and remembers', async () => {
    const { issuer, target } = setup(tradingKey, {}, { secretPattern: '[A-Za-z0-9]{64}' });
    const issued = { keyId: manualKeyId(API_KEY), material: { apiKey: API_KEY, secret: SECRET } };
    const { ctx, prompt } = makeContext({ answers: ['y'] });
    await issuer.verify(issued, target, ctx);
    expect(prompt.asked).to.deep.equal([`Are these restrictions set on ${issued.keyId}?`]);
    expect(prompt.said.join('\n')).to.include('Yes — Enable Spot & Margin Trading');
    expect(ctx.notes[NOTES.restrictionsConfirmed(issued.keyId)]).to.be.a('string');
    await issuer.verify(issued, target, ctx); // resumed: not asked again (no answer left would throw)

    const declined = makeContext({ answers: ['n'] });
    const error = await rejectionOf(issuer.verify(issued, target, declined.ctx));
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.include('did not confirm the restrictions');

    const malformed = await rejectionOf(
      issuer.verify({ ...issued, material: { apiKey: API_KEY, secret: 'short-and-wrong' } }, target, makeContext().ctx),
    );
    expect(malformed.code).to.equal('EVERIFY');
    expect(malformed.message).to.include('Secret Key does not have the expected form').and.not.include('short-and-wrong');
  });

  it('revoke names the key to delete and refuses to succeed until the operator confirms', async () => {
    const { issuer, target } = setup(tradingKey);
    const keyId = manualKeyId(API_KEY);
    const no = makeContext({ answers: ['n'] });
    const error = await rejectionOf(issuer.revoke(keyId, target, no.ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include(`operator did not confirm deletion of ${keyId}`);
    expect(no.prompt.said.join('\n')).to.include('the key whose API Key starts with vmPUZE6m and ends with Eh8A');
    expect(no.ctx.notes[NOTES.deleteConfirmed(keyId)]).to.equal(undefined);

    const yes = makeContext({ answers: ['y'] });
    await issuer.revoke(keyId, target, yes.ctx);
    expect(yes.ctx.notes[NOTES.deleteConfirmed(keyId)]).to.equal('2025-01-02T03:04:05.000Z');
    expect(yes.saves()).to.equal(1);
    await issuer.revoke(keyId, target, yes.ctx); // resumed: already confirmed, nothing asked
    expect(yes.prompt.asked).to.have.length(1);
  });

  it('describes the key without a secret and creates remotely', () => {
    const { issuer, target } = setup(tradingKey);
    expect(issuer.createsRemotely).to.equal(true);
    expect(issuer.describe(target)).to.equal(
      'an operator creates a Binance API key in the web UI with Enable Reading, Enable Spot & Margin Trading; trusted IPs 203.0.113.7, 198.51.100.20',
    );
  });
});
