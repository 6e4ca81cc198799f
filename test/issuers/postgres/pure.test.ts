/**
 * The postgres issuer's pure parts: which role a rotation sets, the material a consumer gets,
 * key ids and marks, and the statements' text (a verifier, escaped identifiers, never a password).
 */
import { expect } from 'chai';
import { activeAndNext } from '../../../src/issuers/postgres/index.js';
import { materialFor } from '../../../src/issuers/postgres/connection.js';
import type { PostgresOptions, PostgresSpec } from '../../../src/issuers/postgres/options.js';
import { formatMark, keyIdOf, parseKeyId, parseMark } from '../../../src/issuers/postgres/roles.js';
import { scramVerifier, verifierMatches } from '../../../src/issuers/postgres/scram.js';
import { lockStatements, setPasswordStatements } from '../../../src/issuers/postgres/statements.js';

const options: PostgresOptions = {
  host: 'db.internal',
  port: 5433,
  database: 'app db',
  sslmode: 'verify-full',
  admin: { store: 's', path: 'p' },
  scramIterations: 4096,
  passwordLength: 32,
  connectTimeoutMs: 1000,
};

describe('postgres issuer: pure parts', () => {
  it('alternating sets the role the CURRENT key id does not name; with none, the second listed', () => {
    const spec: PostgresSpec = { strategy: 'alternating', roles: ['app_blue', 'app_green'], terminateSessions: false };
    expect(activeAndNext(spec, undefined)).to.deep.equal({ active: 'app_blue', next: 'app_green' });
    expect(activeAndNext(spec, 'pg:app_green:rot-1')).to.deep.equal({ active: 'app_green', next: 'app_blue' });
    expect(activeAndNext(spec, 'pg:app_blue:rot-2')).to.deep.equal({ active: 'app_blue', next: 'app_green' });
    // a CURRENT from roles no longer in the spec: as if none
    expect(activeAndNext(spec, 'pg:old_role:rot-3')).to.deep.equal({ active: 'app_blue', next: 'app_green' });
    expect(activeAndNext({ strategy: 'single', role: 'app', terminateSessions: false }, 'pg:app:rot-1')).to.deep.equal({
      active: 'app',
      next: 'app',
    });
  });

  it('material: user, password, where, and a URL with the parts encoded and the sslmode', () => {
    expect(materialFor(options, 'app_blue', 'Pw0rd')).to.deep.equal({
      username: 'app_blue',
      password: 'Pw0rd',
      host: 'db.internal',
      port: '5433',
      database: 'app db',
      url: 'postgresql://app_blue:Pw0rd@db.internal:5433/app%20db?sslmode=verify-full',
    });
    const v6 = materialFor({ ...options, host: '::1', sslmode: 'disable', database: 'd' }, 'u', 'p');
    expect(v6.url).to.equal('postgresql://u:p@[::1]:5433/d');
  });

  it('key ids and marks round-trip, and carry nothing secret', () => {
    const keyId = keyIdOf('app_blue', 'rot-20250102030405-0a1b2c3d');
    expect(keyId).to.equal('pg:app_blue:rot-20250102030405-0a1b2c3d');
    expect(parseKeyId(keyId)).to.deep.equal({ role: 'app_blue', rotationId: 'rot-20250102030405-0a1b2c3d' });
    expect(parseKeyId('bn:abc')).to.equal(undefined);
    const mark = { keyId, state: 'live' as const, at: '2025-01-02T03:04:05.000Z', issuer: 'orders-db' };
    expect(formatMark(mark)).to.equal(`keyturn keyId=${keyId} state=live at=2025-01-02T03:04:05.000Z issuer=orders-db`);
    expect(parseMark(formatMark(mark))).to.deep.equal(mark);
    expect(parseMark('a comment someone wrote')).to.equal(undefined);
    expect(formatMark({ keyId, state: 'locked', issuer: 'bad name' })).to.equal(`keyturn keyId=${keyId} state=locked`);
  });

  it('the statements hold a verifier and escaped identifiers, never the password', () => {
    const password = 'Xq3ZtL9mN2pR7sV4wY6aB8cD0eF1gH5j';
    const verifier = scramVerifier(password);
    expect(verifierMatches(verifier, password)).to.equal(true);
    const mark = { keyId: 'pg:app:rot-1', state: 'live' as const };
    const set = setPasswordStatements('Weird"Role', verifier, mark);
    expect(set).to.deep.equal([
      `ALTER ROLE "Weird""Role" PASSWORD '${verifier}' VALID UNTIL 'infinity'`,
      `COMMENT ON ROLE "Weird""Role" IS 'keyturn keyId=pg:app:rot-1 state=live'`,
    ]);
    const locked = lockStatements('app', scramVerifier('another-unknown-one'), { ...mark, state: 'locked' });
    expect(locked[0]).to.match(/^ALTER ROLE "app" PASSWORD 'SCRAM-SHA-256\$4096:[^']+' VALID UNTIL '1970-01-01 00:00:00\+00'$/);
    for (const sql of [...set, ...locked]) expect(sql).to.not.include(password);
  });
});
