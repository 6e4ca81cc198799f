/**
 * Rotation windows end to end through the built binary, the clock pinned with KEYTURN_NOW
 * across Berlin's return to winter time (25 October 2026): `rotate --due` leaves due keys
 * alone outside `Tue-Thu 09:00-16:00 Europe/Berlin` (08:30 on Tuesday the 27th is outside,
 * though it would have been 09:30 a week earlier), plan and status say when the window opens
 * (09:00 CET = 08:00 UTC), the run at 08:00 UTC rotates them, a blackout day holds them, and
 * offboard and revoke go ahead in it with a line saying so. A bad window is a positioned error.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';

const BERLIN = 'Tue-Thu 09:00-16:00 Europe/Berlin';

describe('plan: rotation windows through the CLI (fake clock across a DST change)', function () {
  this.timeout(60_000);
  let ws: Workspace;
  const at = (iso: string) => ({ KEYTURN_NOW: iso });

  before(async () => {
    ws = await Workspace.create({ keys: 2, extraKeyYaml: `    window: ${BERLIN}\n    blackout: [2026-10-28, 2026-12-01]\n` });
  });
  after(() => ws.cleanup());

  it('holds due keys outside the window, says when it opens, rotates them when it does', async () => {
    // Friday 23 October, 14:00 CEST: both keys are due (never rotated), the window is closed
    const friday = at('2026-10-23T12:00:00Z');
    const held = await ws.run(['rotate', '--due', '--yes'], friday);
    expect(held.exitCode, held.stderr).to.equal(0);
    expect(ws.providerKeys()).to.have.length(0);
    const plan = await ws.run(['plan'], friday);
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expect(plan.stdout).to.include('Due, but not now (rotation window):');
    expect(plan.stdout).to.include(
      `key-1: due, outside its window ${BERLIN}; next window opens 2026-10-27 09:00 Europe/Berlin (2026-10-27 08:00 UTC)`,
    );
    const status = JSON.parse((await ws.run(['status', '--json'], friday)).stdout);
    expect(status.keys[0].window).to.deep.equal({ closed: `outside its window ${BERLIN}`, nextOpens: '2026-10-27T08:00:00.000Z' });
    const statusText = await ws.run(['status'], friday);
    expect(statusText.stdout).to.include('key-2: due, outside its window');

    // Tuesday 27th 07:30 UTC is 08:30 CET: still closed (in summer time it was 09:30, inside)
    const early = await ws.run(['rotate', '--due', '--yes'], at('2026-10-27T07:30:00Z'));
    expect(early.exitCode, early.stderr).to.equal(0);
    expect(ws.providerKeys()).to.have.length(0);
    expect((await ws.run(['plan'], at('2026-10-20T07:30:00Z'))).stdout, 'a week earlier, in summer time').to.not.include(
      'Due, but not now',
    );

    // 09:00 CET: open
    const open = await ws.run(['rotate', '--due', '--yes'], at('2026-10-27T08:00:10Z'));
    expect(open.exitCode, open.stderr).to.equal(0);
    expect(open.stdout).to.match(/key-1\s+due\s+completed/);
    expect(open.stdout).to.match(/key-2\s+due\s+completed/);
    const history = JSON.parse((await ws.run(['history', '--json'])).stdout).history;
    expect(history.map((e: any) => e.startedAt.slice(0, 16))).to.deep.equal(['2026-10-27T08:00', '2026-10-27T08:00']);
  });

  it('a blackout day holds a due key even inside the window; offboard and revoke go ahead with a line saying so', async () => {
    // 30 days later the keys are due again: Thursday 26 November 10:00 CET is inside the window
    const due = await ws.run(['plan'], at('2026-11-26T09:00:00Z'));
    expect(due.stdout).to.match(/key-1 — test key 1\n\s+why\s+due since 2026-11-26T08:00/);
    // Wednesday 28 October is inside the window but blacked out
    const black = at('2026-10-28T10:00:00Z');
    const status = JSON.parse((await ws.run(['status', '--json'], black)).stdout);
    expect(status.keys[0].window, 'not due: no window line').to.equal(undefined);
    const off = await ws.run(['offboard', 'alice', '--yes'], black);
    expect(off.exitCode, off.stderr).to.equal(0);
    expect(off.stdout).to.include(
      'Rotation windows and blackouts do not apply: an offboarding is urgent (1 key(s) declare one; 1 of them outside it now).',
    );
    expect(off.stdout).to.match(/key-1\s+offboard\s+completed/);
    const leak = await ws.run(['revoke', 'key-2', '--reason', 'pasted in chat', '--yes'], black);
    expect(leak.exitCode, leak.stderr).to.equal(0);
    expect(leak.stdout).to.include(
      'Rotation windows and blackouts do not apply: a leak is urgent (1 key(s) declare one; 1 of them outside it now).',
    );
    // the keys fall due on Friday 27 November, outside the window; Tuesday 1 December is blacked out: Wednesday the 2nd
    const friday = await ws.run(['plan'], at('2026-11-27T12:00:00Z'));
    expect(friday.stdout).to.include(
      `key-1: due, outside its window ${BERLIN}; next window opens 2026-12-02 09:00 Europe/Berlin (2026-12-02 08:00 UTC)`,
    );
    const blackedOut = JSON.parse((await ws.run(['status', '--json'], at('2026-12-01T10:00:00Z'))).stdout);
    expect(blackedOut.keys[1].window).to.deep.equal({ closed: 'blacked out (2026-12-01)', nextOpens: '2026-12-02T08:00:00.000Z' });
    const held = await ws.run(['rotate', '--due', '--yes'], at('2026-12-01T10:00:00Z'));
    expect(held.stdout).to.not.match(/completed/);
  });

  it('a bad window or blackout is a config error at its line; a bad KEYTURN_NOW a usage error', async () => {
    const file = path.join(ws.dir, 'rotation.yaml');
    const good = await readFile(file, 'utf8');
    const bad = good
      .replace(`window: ${BERLIN}`, 'window: Tue-Thu 09:00-16:00 Europe/Berln')
      .replace('blackout: [2026-10-28, 2026-12-01]', 'blackout: [2026-10-28..2026-10-01]');
    await writeFile(file, bad);
    try {
      const r = await ws.run(['validate']);
      expect(r.exitCode).to.equal(2);
      const lines = bad.split('\n');
      const windowLine = lines.findIndex((l) => l.includes('Europe/Berln')) + 1;
      expect(r.stderr).to.match(new RegExp(`rotation\\.yaml:${windowLine}:\\d+ +keys\\[0\\]\\.window +unknown time zone "Europe/Berln"`));
      expect(r.stderr).to.match(/keys\[\d\]\.blackout\[0\] +ends \(2026-10-01\) before it starts \(2026-10-28\)/);
      expect(r.stderr).to.not.match(/\n\s+at .*\.js/);
    } finally {
      await writeFile(file, good);
    }
    const clock = await ws.run(['status'], { KEYTURN_NOW: 'next tuesday' });
    expect(clock.exitCode).to.equal(2);
    expect(clock.stderr).to.include('KEYTURN_NOW must be an ISO time');
  });
});
