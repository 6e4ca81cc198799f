/**
 * No secret value leaves through a side door: a run's whole output at debug level (both
 * log formats and the log file), its plans, status, history and errors, and the argv of
 * every child process it started contain none of the secret values it handled.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';

describe('secrets never leak', function () {
  this.timeout(60_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
  });
  afterEach(async () => ws.cleanup());

  async function secretsSeen(seen: Set<string>): Promise<void> {
    for (const secret of ws.issuedSecrets()) seen.add(secret);
    const store = await ws.store();
    for (const id of ws.keyIds) {
      for (const version of [await store.current(ws.ref(id)), await store.previous(ws.ref(id))]) {
        for (const value of Object.values(version?.material ?? {})) seen.add(value);
      }
    }
    await store.close();
  }

  it('in logs at debug level, outputs, history, errors and child argv', async () => {
    const seen = new Set<string>();
    const transcripts: string[] = [];
    const record = (r: { stdout: string; stderr: string }) => transcripts.push(r.stdout, r.stderr);
    const debug = ['--log-level', 'debug'];

    record(await ws.run(['rotate', '--all', '--yes', ...debug, '--log-file', 'run.log']));
    await secretsSeen(seen);
    record(await ws.run(['rotate', '--all', '--yes', ...debug, '--log-format', 'json', '--log-file', 'run.log']));
    await secretsSeen(seen);
    // a failing run: the error path and the rollback log too
    await ws.failProviderOnce('verify');
    const failed = await ws.run(['rotate', 'key-1', '--yes', ...debug, '--log-file', 'run.log']);
    expect(failed.exitCode).to.equal(1);
    record(failed);
    await secretsSeen(seen);
    // a leak rotation
    record(await ws.run(['revoke', 'key-2', '--reason', 'pasted in chat', '--yes', ...debug, '--log-file', 'run.log']));
    await secretsSeen(seen);
    for (const args of [['plan', '--all', '--json'], ['status', '--json'], ['history', '--json'], ['history'], ['status']]) {
      record(await ws.run([...args, ...debug]));
    }

    const logFile = readFileSync(path.join(ws.dir, 'run.log'), 'utf8');
    const argv = ws.consumerArgvLog();
    // two first keys, two second keys, the rolled-back one, the leak replacement
    expect(seen.size).to.equal(6);
    expect(logFile.length).to.be.greaterThan(1000);
    expect(transcripts.join('\n')).to.include('rotation'); // debug output really was captured
    for (const secret of seen) {
      for (const [where, text] of [
        ['transcripts', transcripts.join('\n')],
        ['log file', logFile],
        ['consumer argv', argv],
      ] as const) {
        expect(text.includes(secret), `a secret appeared in ${where}`).to.equal(false);
      }
    }
    // the debug log did see the material's moves, redacted
    expect(logFile + transcripts.join('\n')).to.match(/\[REDACTED\]|rotation/);
  });
});
