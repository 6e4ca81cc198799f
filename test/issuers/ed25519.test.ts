import { wrapIssuer } from '../../src/adapters/wrap-issuer.js';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createEd25519Issuer, pemSecretForms } from '../../src/issuers/ed25519.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf, tempDir, writeScript } from './support.js';

/** A registry of public keys in a folder: register / deregister / check, as a deployment might do. */
function registryScripts(dir: string) {
  const db = path.join(dir, 'registry');
  const seen = path.join(dir, 'seen');
  writeScript(
    dir,
    'register.sh',
    [
      `env > "${seen}/register.env"`,
      `printf '%s\\n' "$0" "$@" > "${seen}/register.argv"`,
      `cat > "${seen}/register.stdin"`,
      `printf '%s' "$KEYTURN_PUBLIC_KEY" > "${db}/$(echo "$KEYTURN_KEY_ID" | tr ':' '_')"`,
    ].join('\n'),
  );
  writeScript(
    dir,
    'deregister.sh',
    [`printf '%s' "$KEYTURN_KEY_ID" > "${seen}/deregister.id"`, `rm -f "${db}/$(echo "$KEYTURN_KEY_ID" | tr ':' '_')"`].join('\n'),
  );
  writeScript(dir, 'check.sh', `test -f "${db}/$(echo "$KEYTURN_KEY_ID" | tr ':' '_')"`);
  return { db, seen };
}

function setup() {
  const dir = tempDir();
  const { db, seen } = registryScripts(dir);
  mkdirSync(db);
  mkdirSync(seen);
  const config = issuerConfig('ed25519', {
    register: ['sh', path.join(dir, 'register.sh'), '--publish'],
    deregister: ['sh', path.join(dir, 'deregister.sh')],
    check: `sh '${path.join(dir, 'check.sh')}'`,
  });
  return {
    dir,
    db,
    seen,
    config,
    issuer: createEd25519Issuer(config),
    target: { key: keyConfig({ id: 'report-signing-key' }), issuer: config },
  };
}

describe('ed25519 issuer', () => {
  it('creates a working key pair: PKCS#8 private PEM as material, SPKI public PEM as meta', async () => {
    const issuer = createEd25519Issuer(issuerConfig('ed25519'));
    const { ctx } = makeContext();
    const issued = await issuer.create({ key: keyConfig(), issuer: issuerConfig('ed25519') }, ctx);
    const privatePem = issued.material.privateKey!;
    const publicPem = issued.meta!.publicKey!;
    expect(privatePem).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicPem).to.match(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(Object.keys(issued.material)).to.deep.equal(['privateKey']);

    const message = randomBytes(64);
    const signature = sign(null, message, createPrivateKey(privatePem));
    expect(verify(null, message, createPublicKey(publicPem), signature)).to.equal(true);
    expect(verify(null, randomBytes(64), createPublicKey(publicPem), signature)).to.equal(false);

    // the id is sha256 of the raw 32-byte key: the last 32 bytes of the SPKI DER
    const der = createPublicKey(publicPem).export({ format: 'der', type: 'spki' });
    const expected = createHash('sha256')
      .update(der.subarray(der.length - 32))
      .digest('hex')
      .slice(0, 16);
    expect(issued.keyId).to.equal(`ed25519:${expected}`);
    expect(issuer.createsRemotely).to.equal(false);
  });

  it('registers the private key in every form with the redactor; the public key stays readable', async () => {
    const issuer = createEd25519Issuer(issuerConfig('ed25519'));
    const { ctx, redactor } = makeContext();
    const issued = await issuer.create({ key: keyConfig(), issuer: issuerConfig('ed25519') }, ctx);
    const body = pemSecretForms(issued.material.privateKey!)[2]!;
    expect(body.length).to.be.greaterThan(40);
    expect(redactor.redact(`k=${body}`)).to.equal('k=[REDACTED]');
    expect(redactor.redact(issued.meta!.publicKey!)).to.equal(issued.meta!.publicKey);
  });

  it('runs register with the public key and ids, never the private key, and nothing secret in argv', async () => {
    const { seen, db, issuer, target } = setup();
    const { ctx, logs } = makeContext({ rotationId: 'rot-20250102030405-deadbeef' });
    expect(issuer.createsRemotely).to.equal(true);
    const issued = await issuer.create(target, ctx);

    const env = readFileSync(path.join(seen, 'register.env'), 'utf8');
    expect(env).to.include(`KEYTURN_KEY_ID=${issued.keyId}`);
    expect(env).to.include('KEYTURN_KEY=report-signing-key');
    expect(env).to.include('KEYTURN_ROTATION_ID=rot-20250102030405-deadbeef');
    expect(env).to.include('KEYTURN_PUBLIC_KEY=-----BEGIN PUBLIC KEY-----');
    for (const form of pemSecretForms(issued.material.privateKey!)) expect(env).to.not.include(form);
    expect(env).to.not.include('PRIVATE KEY');

    const argv = readFileSync(path.join(seen, 'register.argv'), 'utf8');
    expect(argv.trim().split('\n').slice(1)).to.deep.equal(['--publish']);
    expect(readFileSync(path.join(seen, 'register.stdin'), 'utf8')).to.equal(issued.meta!.publicKey);
    const registered = readFileSync(path.join(db, issued.keyId.replace(':', '_')), 'utf8');
    expect(registered).to.equal(issued.meta!.publicKey);

    const logged = await logs();
    expect(logged).to.include('issuer under-test register');
    for (const form of pemSecretForms(issued.material.privateKey!)) expect(logged).to.not.include(form);
  });

  it('a failing register is EISSUER with the stderr tail', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'register.sh', 'echo "registry unreachable: connection refused" >&2; exit 7');
    const config = issuerConfig('ed25519', { register: [script] });
    const error = await rejectionOf(createEd25519Issuer(config).create({ key: keyConfig(), issuer: config }, makeContext().ctx));
    expect(error.code).to.equal('EISSUER');
    expect(error.message).to.include('exited 7').and.include('registry unreachable: connection refused');
  });

  it('verify signs a challenge, runs check, and catches a private key that does not match the id', async () => {
    const { issuer, target } = setup();
    const { ctx } = makeContext();
    const issued = await issuer.create(target, ctx);
    await issuer.verify(issued, target, ctx);

    const other = await createEd25519Issuer(issuerConfig('ed25519')).create(target, ctx);
    const swapped = { ...issued, material: other.material };
    const error = await rejectionOf(issuer.verify(swapped, target, ctx));
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.include(issued.keyId);
    for (const form of pemSecretForms(other.material.privateKey!)) expect(error.message).to.not.include(form);

    const wrongPublic = { ...issued, meta: { publicKey: other.meta!.publicKey! } };
    expect((await rejectionOf(issuer.verify(wrongPublic, target, ctx))).message).to.include('does not verify');
  });

  it('verify fails with EVERIFY when the check command does not find the key', async () => {
    const { issuer, target, db } = setup();
    const { ctx } = makeContext();
    const issued = await issuer.create(target, ctx);
    rmSync(path.join(db, issued.keyId.replace(':', '_')));
    const error = await rejectionOf(issuer.verify(issued, target, ctx));
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.include('issuer under-test check exited 1');
  });

  it('revoke runs deregister with the key id (twice is fine); isDead turns true once it is gone', async () => {
    const { issuer, target, seen, db } = setup();
    const { ctx } = makeContext();
    const issued = await issuer.create(target, ctx);
    expect(await issuer.isDead!(issued.keyId, target, ctx)).to.equal(false);
    await issuer.revoke(issued.keyId, target, ctx);
    expect(readFileSync(path.join(seen, 'deregister.id'), 'utf8')).to.equal(issued.keyId);
    expect(existsSync(path.join(db, issued.keyId.replace(':', '_')))).to.equal(false);
    await issuer.revoke(issued.keyId, target, ctx);
    expect(await issuer.isDead!(issued.keyId, target, ctx)).to.equal(true);
  });

  it('has no isDead without a check command, and refuses to register during a dry run', async () => {
    expect(createEd25519Issuer(issuerConfig('ed25519')).isDead).to.equal(undefined);
    const { issuer, target, db } = setup();
    // the registry's wrapper refuses every mutation in a dry run (src/adapters/wrap-issuer.ts)
    const error = await rejectionOf(wrapIssuer('under-test', issuer).create(target, makeContext({ dryRun: true }).ctx));
    expect(error.message).to.include('dry run');
    expect(readdirSync(db)).to.deep.equal([]);
  });

  it('list parses what the list command prints', async () => {
    const dir = tempDir();
    const list = writeScript(
      dir,
      'list.sh',
      `echo '[{"keyId":"ed25519:0011223344556677","name":"signing rot-1","createdAt":"2025-01-01T00:00:00Z"}]'`,
    );
    const config = issuerConfig('ed25519', { list: [list] });
    const keys = await createEd25519Issuer(config).list!({ key: keyConfig(), issuer: config }, makeContext().ctx);
    expect(keys).to.deep.equal([{ keyId: 'ed25519:0011223344556677', name: 'signing rot-1', createdAt: '2025-01-01T00:00:00Z' }]);
  });
});
