import { wrapIssuer } from '../../src/adapters/wrap-issuer.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createCommandIssuer } from '../../src/issuers/command.js';
import { envNameOf } from '../../src/issuers/script-env.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf, tempDir, writeScript } from './support.js';

const SECRET = 'sk_live_Q7f2xv9LmP4tR8wZ';
const API_KEY = 'AKIA7EXAMPLE7KEY7ID';

type Scripts = Record<string, string> | ((dir: string) => Record<string, string>);

/**
 * An issuer whose scripts live in a fresh folder (a function of that folder, when a script
 * records what it saw there); create and revoke have harmless defaults, revoke records its env.
 */
function commandIssuer(scripts: Scripts, extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const options: Record<string, unknown> = { ...extra };
  const bodies = {
    create: `echo '{"keyId":"k-default","secret":"default-secret-value"}'`,
    revoke: `env > "${dir}/revoke.env"`,
    ...(typeof scripts === 'function' ? scripts(dir) : scripts),
  };
  for (const [step, body] of Object.entries(bodies)) options[step] = [writeScript(dir, `${step}.sh`, body), '--flag'];
  const config = issuerConfig('command', options);
  const key = keyConfig({
    id: 'exchange-key',
    spec: { account: 'sub-7', label: 'bot' },
    restrictions: { permissions: ['reading', 'spot'], ipWhitelist: ['203.0.113.7'] },
  });
  return { dir, config, issuer: createCommandIssuer(config), target: { key, issuer: config } };
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

describe('command issuer', () => {
  it('create parses material, restrictions and meta; the script got the contract env and no secret in argv', async () => {
    const { dir, issuer, target } = commandIssuer((dir) => ({
      create: [
        `env > "${dir}/create.env"`,
        `printf '%s\\n' "$0" "$@" > "${dir}/create.argv"`,
        // a careless script that also echoes the secret on stderr: the debug log must still hide it
        `echo "created key for $KEYTURN_ROTATION_ID with secret ${SECRET}" >&2`,
        `echo '{"keyId":"${API_KEY}","material":{"apiKey":"${API_KEY}","secret":"${SECRET}"},` +
          `"restrictions":{"permissions":["reading","spot"],"ipWhitelist":["203.0.113.7"]},"meta":{"label":"bot"}}'`,
      ].join('\n'),
    }));
    const { ctx, logs, redactor } = makeContext({ rotationId: 'rot-20250102030405-c0ffee00' });
    const issued = await issuer.create(target, ctx);
    expect(issued).to.deep.equal({
      keyId: API_KEY,
      material: { apiKey: API_KEY, secret: SECRET },
      restrictions: { permissions: ['reading', 'spot'], ipWhitelist: ['203.0.113.7'] },
      meta: { label: 'bot' },
    });

    const env = read(dir, 'create.env');
    expect(env).to.include('KEYTURN_KEY=exchange-key');
    expect(env).to.include('KEYTURN_ROTATION_ID=rot-20250102030405-c0ffee00');
    expect(env).to.include('KEYTURN_SPEC={"account":"sub-7","label":"bot"}');
    expect(env).to.include('KEYTURN_RESTRICTIONS={"permissions":["reading","spot"],"ipWhitelist":["203.0.113.7"]}');
    expect(read(dir, 'create.argv').trim().split('\n').slice(1)).to.deep.equal(['--flag']);

    expect(redactor.redact(SECRET)).to.equal('[REDACTED]');
    const logged = await logs();
    expect(logged).to.include('issuer under-test create exited 0');
    expect(logged).to.include('[not logged: carries a secret]');
    expect(logged).to.include('created key for rot-20250102030405-c0ffee00 with secret [REDACTED]');
    expect(logged).to.not.include(SECRET);
    expect(logged).to.not.include(API_KEY);
  });

  it('takes the shorthand {keyId, secret} as material {value}, and a string command through sh -c', async () => {
    const config = issuerConfig('command', {
      create: `echo 'progress: talking to the provider'; echo '{"keyId":"tok-1","secret":"${SECRET}"}'`,
      revoke: `true`,
    });
    const issued = await createCommandIssuer(config).create({ key: keyConfig(), issuer: config }, makeContext().ctx);
    expect(issued).to.deep.equal({ keyId: 'tok-1', material: { value: SECRET } });
  });

  it('a create that exits non-zero is EISSUER with the stderr tail, never the stdout or the secret', async () => {
    const { issuer, target } = commandIssuer({
      create: [
        `echo '{"keyId":"k-9","secret":"${SECRET}"}'`,
        `echo "step 1 ok" >&2`,
        `echo "provider said: quota exceeded for ${SECRET}" >&2`,
        'exit 3',
      ].join('\n'),
    });
    const { ctx, logs } = makeContext();
    const error = await rejectionOf(issuer.create(target, ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('issuer under-test create exited 3');
    expect(error.message).to.include('step 1 ok\nprovider said: quota exceeded for [REDACTED]');
    expect(error.message).to.not.include(SECRET);
    expect(error.message).to.not.include('"keyId"');
    expect(await logs()).to.not.include(SECRET);
  });

  it('bad JSON or a missing keyId is EISSUER; secret-looking output is masked though it was never parsed', async () => {
    const broken = commandIssuer({ create: `echo "token=${SECRET}"; echo "oops: printed token=${SECRET}" >&2` });
    const { ctx, logs } = makeContext();
    const error = await rejectionOf(broken.issuer.create(broken.target, ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('did not print valid JSON');
    expect(error.message).to.include('oops: printed token=[REDACTED]');
    expect(error.message).to.not.include(SECRET);
    expect(await logs()).to.not.include(SECRET);

    const noId = commandIssuer({ create: `echo '{"material":{"secret":"${SECRET}"}}'` });
    const missing = await rejectionOf(noId.issuer.create(noId.target, makeContext().ctx));
    expect(missing.code).to.equal('EISSUER');
    expect(missing.message).to.include('without a string `keyId`').and.not.include(SECRET);
  });

  it('a create past its timeout is killed and reported', async () => {
    const { issuer, target } = commandIssuer({ create: 'exec sleep 30' }, { timeout: '300ms' });
    const started = Date.now();
    const error = await rejectionOf(issuer.create(target, makeContext().ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('timed out after 300ms');
    expect(Date.now() - started).to.be.below(1500);
  });

  it('a grandchild holding the output open does not hold the create past its deadline', async () => {
    // sh is killed at 300ms; the `sleep` it forked keeps stdout open for 3s
    const { issuer, target } = commandIssuer({ create: 'sleep 3' }, { timeout: 300 });
    const started = Date.now();
    const error = await rejectionOf(issuer.create(target, makeContext().ctx));
    expect(error.message).to.include('timed out after 300ms');
    expect(Date.now() - started).to.be.below(2800);
  });

  it('a descendant that left the process group does not hold the create past its deadline either', async () => {
    // setsid puts `sleep` in its own group, out of reach of the group kill; it keeps stdout open for 4s
    const { issuer, target } = commandIssuer({ create: 'setsid sleep 4' }, { timeout: 300 });
    const started = Date.now();
    const error = await rejectionOf(issuer.create(target, makeContext().ctx));
    expect(error.message).to.include('timed out after 300ms');
    expect(Date.now() - started).to.be.below(3500);
  });

  it('verify gets the secrets only through env (KEYTURN_SECRET_<FIELD>), and its failure is EVERIFY', async () => {
    const { dir, issuer, target } = commandIssuer((dir) => ({
      verify: [
        `env > "${dir}/verify.env"`,
        `printf '%s\\n' "$0" "$@" > "${dir}/verify.argv"`,
        `test "$KEYTURN_SECRET_SECRET" = "${SECRET}"`,
      ].join('\n'),
    }));
    const { ctx, logs } = makeContext();
    await issuer.verify({ keyId: API_KEY, material: { apiKey: API_KEY, secret: SECRET } }, target, ctx);
    const env = read(dir, 'verify.env');
    expect(env).to.include(`KEYTURN_KEY_ID=${API_KEY}`);
    expect(env).to.include(`KEYTURN_SECRET_API_KEY=${API_KEY}`);
    expect(env).to.include(`KEYTURN_SECRET_SECRET=${SECRET}`);
    const argv = read(dir, 'verify.argv');
    expect(argv).to.not.include(SECRET).and.not.include(API_KEY);
    expect(await logs()).to.not.include(SECRET);

    const error = await rejectionOf(
      issuer.verify({ keyId: API_KEY, material: { apiKey: API_KEY, secret: 'not-the-secret-1' } }, target, ctx),
    );
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.not.include('not-the-secret-1');
  });

  it('verify exposes a `value` secret as KEYTURN_SECRET too', async () => {
    const { issuer, target } = commandIssuer({
      verify: `test "$KEYTURN_SECRET" = "${SECRET}" && test "$KEYTURN_SECRET_VALUE" = "${SECRET}"`,
    });
    await issuer.verify({ keyId: 'tok', material: { value: SECRET } }, target, makeContext().ctx);
    const error = await rejectionOf(issuer.verify({ keyId: 'tok', material: { value: 'something-else' } }, target, makeContext().ctx));
    expect(error.code).to.equal('EVERIFY');
  });

  it('revoke passes the key id; a failing revoke is EISSUER', async () => {
    const ok = commandIssuer({});
    await ok.issuer.revoke('k-123', ok.target, makeContext().ctx);
    expect(read(ok.dir, 'revoke.env')).to.include('KEYTURN_KEY_ID=k-123');
    const failing = commandIssuer({ revoke: 'echo "403 forbidden" >&2; exit 1' });
    const error = await rejectionOf(failing.issuer.revoke('k-123', failing.target, makeContext().ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('403 forbidden');
  });

  it('isDead: exit 0 is dead, exit 1 is alive, anything else is an error', async () => {
    const { issuer, target } = commandIssuer({ isDead: 'case "$KEYTURN_KEY_ID" in dead-*) exit 0;; alive-*) exit 1;; *) exit 2;; esac' });
    const { ctx } = makeContext();
    expect(await issuer.isDead!('dead-1', target, ctx)).to.equal(true);
    expect(await issuer.isDead!('alive-1', target, ctx)).to.equal(false);
    expect((await rejectionOf(issuer.isDead!('weird-1', target, ctx))).code).to.equal('EISSUER');
    expect(createCommandIssuer(issuerConfig('command', { create: 'true', revoke: 'true' })).isDead).to.equal(undefined);
  });

  it('list parses the JSON array, and refuses a malformed one', async () => {
    const { issuer, target } = commandIssuer({
      list: `echo '[{"keyId":"k-1","name":"exchange-key rot-20250102030405-c0ffee00","createdAt":"2025-01-02T03:04:05Z"},{"keyId":"k-2"}]'`,
    });
    expect(await issuer.list!(target, makeContext().ctx)).to.deep.equal([
      { keyId: 'k-1', name: 'exchange-key rot-20250102030405-c0ffee00', createdAt: '2025-01-02T03:04:05Z' },
      { keyId: 'k-2' },
    ]);
    const bad = commandIssuer({ list: `echo '[{"name":"no id"}]'` });
    const error = await rejectionOf(bad.issuer.list!(bad.target, makeContext().ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('item 0 has no string `keyId`');
  });

  it('needs create and revoke, and a readable timeout, when it is loaded', () => {
    expect(() => createCommandIssuer(issuerConfig('command', { create: 'true' }))).to.throw(/option `revoke` is required/);
    expect(() => createCommandIssuer(issuerConfig('command', { create: 'true', revoke: 'true', timeout: 'soon' }))).to.throw(/timeout/);
    expect(() => createCommandIssuer(issuerConfig('command', { create: [], revoke: 'true' }))).to.throw(/create/);
  });

  it('refuses to create or revoke during a dry run, running nothing', async () => {
    const { dir, issuer: bare, target } = commandIssuer((dir) => ({ create: `touch "${dir}/ran"`, revoke: `touch "${dir}/ran"` }));
    // the registry's wrapper refuses every mutation in a dry run (src/adapters/wrap-issuer.ts)
    const issuer = wrapIssuer('under-test', bare);
    const { ctx } = makeContext({ dryRun: true });
    expect((await rejectionOf(issuer.create(target, ctx))).message).to.include('dry run');
    expect((await rejectionOf(issuer.revoke('k-1', target, ctx))).message).to.include('dry run');
    expect(() => read(dir, 'ran')).to.throw();
  });

  it('names fields for env the way the docs say', () => {
    expect(envNameOf('apiKey')).to.equal('API_KEY');
    expect(envNameOf('secret')).to.equal('SECRET');
    expect(envNameOf('client-secret')).to.equal('CLIENT_SECRET');
    expect(envNameOf('privateKeyPem')).to.equal('PRIVATE_KEY_PEM');
  });
});
