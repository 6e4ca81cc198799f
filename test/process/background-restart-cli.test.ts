/**
 * Through the CLI: a restart command that leaves a process running (backgrounded, or a
 * daemon in its own session) is done when it exits. The rotation completes at once, keyturn
 * exits, the process it left keeps running, and what the command printed is kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { killIfRunning, processAlive } from '../support/pid.js';
import { Workspace } from '../support/workspace.js';

const BACKGROUND = `echo "restarted on $KEYTURN_KEY_ID"; sleep 300 & echo $! > "$LEFT_BEHIND/bg.pid"; exit 0`;
const DAEMON = `setsid sh -c 'echo $$ > "$LEFT_BEHIND/daemon.pid"; exec sleep 300' & sleep 0.2; echo daemon started`;

/** Two more consumers of key-1, each leaving a process behind that holds its output pipes. */
const CONSUMERS = `      - name: backgrounded
        restart: { command: [sh, -c, ${JSON.stringify(BACKGROUND)}] }
        timeout: 3s
      - name: daemonized
        restart: { command: [sh, -c, ${JSON.stringify(DAEMON)}] }
        timeout: 3s
`;

describe('rotate with a restart that leaves a process running', function () {
  this.timeout(60_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1, extraKeyYaml: CONSUMERS });
  });
  afterEach(async () => {
    for (const file of ['bg.pid', 'daemon.pid']) {
      const pidFile = path.join(ws.dir, file);
      if (existsSync(pidFile)) killIfRunning(Number(readFileSync(pidFile, 'utf8')));
    }
    await ws.cleanup();
  });

  it('completes the rotation and exits, the left-behind processes still running, their output kept', async () => {
    const started = Date.now();
    const run = await ws.run(['rotate', 'key-1', '--yes', '--log-level', 'debug', '--log-file', 'run.log'], { LEFT_BEHIND: ws.dir });
    const elapsed = Date.now() - started;
    expect(run.exitCode, run.stderr).to.equal(0);
    // keyturn has exited (run resolved) well within one consumer timeout, and left them running
    expect(elapsed).to.be.lessThan(3000 + 2000);
    for (const file of ['bg.pid', 'daemon.pid']) {
      expect(processAlive(Number(readFileSync(path.join(ws.dir, file), 'utf8'))), file).to.equal(true);
    }
    const history = await ws.run(['history', 'key-1', '--json']);
    const entries = (JSON.parse(history.stdout) as { history: Array<{ outcome: string }> }).history;
    expect(entries.map((e) => e.outcome)).to.deep.equal(['completed']);
    const log = readFileSync(path.join(ws.dir, 'run.log'), 'utf8');
    expect(log).to.match(/restart backgrounded exited 0.*restarted on /);
    expect(log).to.match(/restart daemonized exited 0.*daemon started/);
  });
});
