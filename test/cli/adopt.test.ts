/**
 * keyturn adopt through the built CLI in a temp workspace (file store, the test provider
 * through the `command` issuer, which cannot date a credential): keys whose credentials
 * already exist are adopted with --rotated-at, then `rotate --due` rotates only those whose
 * adopted age passed their period; a missing credential is reported and nothing recorded; a
 * bad --rotated-at is refused (exit 2) before anything; --dry-run and a refused date leave the
 * store file byte for byte as it was; status and plan show the adopted date and age.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { FIXTURES, Workspace } from '../support/workspace.js';

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 10, 20, 9, 0, 0));
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString().slice(0, 10);

describe('keyturn adopt', function () {
  this.timeout(60_000);
  let ws: Workspace;
  const clock = { KEYTURN_NOW: NOW.toISOString() };
  const cli = (...args: string[]) => ws.run(args, clock);

  /** A credential made at the provider before keyturn (as an operator made it), put into the store as CURRENT. */
  async function existing(key: string): Promise<{ keyId: string; secret: string }> {
    const made = await execa('node', [path.join(FIXTURES, 'provider.js'), 'create'], {
      env: { ...ws.env, KEYTURN_ROTATION_ID: 'before-keyturn' },
    });
    const issued = JSON.parse(String(made.stdout)) as { keyId: string; material: { secret: string } };
    const store = await ws.store();
    await store.stage(ws.ref(key), 'legacy', { keyId: issued.keyId, material: issued.material });
    await store.promote(ws.ref(key), 'legacy');
    await store.close();
    return { keyId: issued.keyId, secret: issued.material.secret };
  }

  async function state(key: string) {
    const store = await ws.store();
    try {
      return {
        record: await store.rotation(ws.ref(key)),
        history: await store.history(ws.ref(key)),
        current: await store.current(ws.ref(key)),
      };
    } finally {
      await store.close();
    }
  }

  const storeBytes = () =>
    createHash('sha256')
      .update(readFileSync(path.join(ws.dir, 'store.enc')))
      .digest('hex');

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
  });
  afterEach(async () => {
    await ws.cleanup();
  });

  it('adopts with --rotated-at; rotate --due then rotates only the key whose adopted age passed its period (30d)', async () => {
    const old = await existing('key-1');
    const young = await existing('key-2');
    const first = await cli('adopt', 'key-1', '--rotated-at', daysBefore(40));
    expect(first.exitCode, first.stdout + first.stderr).to.equal(0);
    expect(first.stdout).to.match(/key-1\s+adopted\s+pk_\w+\s+2026-10-11 00:00\s+40 days\s+--rotated-at/);
    const second = await cli('adopt', 'key-2', '--rotated-at', `${daysBefore(10)}T08:30:00Z`);
    expect(second.exitCode, second.stdout + second.stderr).to.equal(0);

    const adopted = await state('key-1');
    expect(adopted.record).to.include({ lastRotatedAt: `${daysBefore(40)}T00:00:00.000Z`, currentKeyId: old.keyId });
    expect(adopted.record.adopted).to.include({ source: 'operator', rotationId: adopted.record.lastRotationId });
    expect(adopted.history).to.have.length(1);
    expect(adopted.history[0]).to.include({ trigger: 'adopt', outcome: 'adopted', newKeyId: old.keyId, actor: 'test-operator' });
    expect(JSON.stringify(adopted.history)).to.not.include(old.secret);
    expect(adopted.current!.keyId, 'the store version is the one adopted, untouched').to.equal(old.keyId);

    const status = await cli('status');
    expect(status.stdout).to.match(/key-1 .*adopted 2026-10-11 00:00, age 40 days.*yes \(10d/);
    expect(status.stdout).to.match(/key-2 .*adopted 2026-11-10 08:30, age 10 days.*2026-12-10 08:30\s+no/);
    const json = JSON.parse((await cli('status', '--json')).stdout) as { keys: Array<{ key: string; adopted?: { ageDays: number } }> };
    expect(json.keys.map((k) => [k.key, k.adopted?.ageDays])).to.deep.equal([
      ['key-1', 40],
      ['key-2', 10],
    ]);
    const plan = await cli('plan', '--all');
    expect(plan.stdout).to.include(`last       adopted 2026-10-11 00:00, age 40 days, current key ${old.keyId}`);

    const rotated = await cli('rotate', '--due', '--yes');
    expect(rotated.exitCode, rotated.stdout + rotated.stderr).to.equal(0);
    const after1 = await state('key-1');
    const after2 = await state('key-2');
    expect(after1.current!.keyId).to.not.equal(old.keyId);
    expect(after1.history.map((h) => `${h.trigger}/${h.outcome}`)).to.deep.equal(['adopt/adopted', 'due/completed']);
    expect(after1.record.previousKeyId).to.equal(old.keyId);
    expect(after2.current!.keyId).to.equal(young.keyId);
    expect(after2.history.map((h) => h.trigger)).to.deep.equal(['adopt']);
    const alive = ws.providerKeys().map((k) => k.keyId);
    expect(alive, 'the adopted key was deleted at the issuer by the rotation').to.not.include(old.keyId);
    expect(alive).to.include(young.keyId);
    // after a real rotation the key is no longer shown as adopted
    expect((await cli('status')).stdout).to.not.match(/key-1 .*adopted/);
  });

  it('reports a missing credential for its key (exit 1) and records nothing for it; the other key is adopted', async () => {
    await existing('key-1');
    const result = await cli('adopt', 'key-1', 'key-2', '--rotated-at', daysBefore(5));
    expect(result.exitCode, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/key-2\s+failed .*no credential at file:.*#app\/key-2; nothing adopted/);
    expect((await state('key-2')).record).to.deep.equal({});
    expect((await state('key-2')).history).to.deep.equal([]);
    expect((await state('key-2')).current).to.equal(undefined);
    expect((await state('key-1')).record.lastRotatedAt).to.equal(`${daysBefore(5)}T00:00:00.000Z`);
  });

  it('refuses a bad --rotated-at with exit 2 and a clear message, before the store is touched', async () => {
    await existing('key-1');
    const before = storeBytes();
    const cases: Array<[string, RegExp]> = [
      ['yesterday', /--rotated-at must be a date \(2026-01-15\) or a time with its zone/],
      ['2026-02-30', /--rotated-at must be a date/],
      ['2026-11-01T09:30', /--rotated-at must be a date/],
      ['2026-11-21', /--rotated-at 2026-11-21T00:00:00.000Z is in the future \(now is 2026-11-20T09:00/],
    ];
    for (const [text, message] of cases) {
      const result = await cli('adopt', 'key-1', '--rotated-at', text);
      expect(result.exitCode, `${text}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.match(message);
    }
    expect(storeBytes()).to.equal(before);
    expect((await state('key-1')).record).to.deep.equal({});
  });

  it('--dry-run shows what would be recorded and changes nothing', async () => {
    const old = await existing('key-1');
    await existing('key-2');
    const before = storeBytes();
    const result = await cli('adopt', '--all', '--rotated-at', daysBefore(3), '--dry-run');
    expect(result.exitCode, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`key-1\\s+would adopt\\s+${old.keyId}`));
    expect(result.stdout).to.include('Dry run: nothing has been recorded.');
    expect(storeBytes()).to.equal(before);
    expect((await state('key-1')).record).to.deep.equal({});
  });

  it('without --rotated-at, an issuer that cannot date a credential is refused with a request for --rotated-at', async () => {
    await existing('key-1');
    const result = await cli('adopt', 'key-1');
    expect(result.exitCode).to.equal(1);
    expect(result.stdout).to.match(/issuer provider \(command\) cannot tell when a credential was created; nothing adopted/);
    expect(result.stdout).to.include('key-1: hint: pass --rotated-at DATE');
    expect((await state('key-1')).record).to.deep.equal({});
  });

  it('skips a key keyturn already rotated or adopted, unless --force', async () => {
    await existing('key-1');
    expect((await cli('adopt', 'key-1', '--rotated-at', daysBefore(40))).exitCode).to.equal(0);
    const again = await cli('adopt', 'key-1', '--rotated-at', daysBefore(2));
    expect(again.exitCode).to.equal(0);
    expect(again.stdout).to.match(/key-1\s+skipped .*already adopted \(created 2026-10-11T00:00:00.000Z\); --force adopts it again/);
    expect((await state('key-1')).record.lastRotatedAt).to.equal(`${daysBefore(40)}T00:00:00.000Z`);
    const forced = await cli('adopt', 'key-1', '--rotated-at', daysBefore(2), '--force');
    expect(forced.exitCode, forced.stdout + forced.stderr).to.equal(0);
    expect((await state('key-1')).record.lastRotatedAt).to.equal(`${daysBefore(2)}T00:00:00.000Z`);
    expect((await state('key-1')).history.map((h) => h.outcome)).to.deep.equal(['adopted', 'adopted']);
  });

  it("does not adopt while another run holds the key's lease (exit 1), and records nothing", async () => {
    await existing('key-1');
    const store = await ws.store();
    // a holder on another host: alive as far as this one can tell, so its lease stands
    const lease = await store.lease(ws.ref('key-1'), 'elsewhere:4242:abcdef', 120_000);
    await store.close();
    const result = await cli('adopt', 'key-1', '--rotated-at', daysBefore(40));
    expect(result.exitCode, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/key-1\s+failed .*could not take key-1's lease/);
    expect((await state('key-1')).record).to.deep.equal({});
    await lease.release().catch(() => undefined);
  });

  it('does not adopt a key that needs attention', async () => {
    await existing('key-1');
    const store = await ws.store();
    const attention = { rotationId: 'rot-x', reason: 'the old key could not be deleted', at: NOW.toISOString() };
    await store.record(ws.ref('key-1'), { attention });
    await store.close();
    const result = await cli('adopt', 'key-1', '--rotated-at', daysBefore(40));
    expect(result.exitCode).to.equal(1);
    expect(result.stdout).to.include('key-1 needs attention (the old key could not be deleted); nothing adopted');
    expect((await state('key-1')).record).to.deep.equal({ attention });
  });

  it('asks for keys or --all, and refuses an unknown key (exit 2)', async () => {
    const none = await cli('adopt');
    expect(none.exitCode).to.equal(2);
    expect(none.stderr).to.include('name the keys to adopt, or pass --all');
    const unknown = await cli('adopt', 'nope', '--rotated-at', daysBefore(1));
    expect(unknown.exitCode).to.equal(2);
    expect(unknown.stderr).to.include('no key named nope');
  });
});
