/**
 * A command is done when it exits: processes it leaves running (a backgrounded server, a
 * daemon) may hold its output pipes open, and neither the result nor keyturn waits for them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runCommand } from '../../src/process/run-command.js';
import { testContext } from '../consumers/support.js';
import { killIfRunning, processAlive } from '../support/pid.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

describe('runCommand with processes left behind', () => {
  const pids: number[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const pid of pids.splice(0)) killIfRunning(pid);
    for (const dir of dirs.splice(0)) await removeTempDir(dir);
  });

  async function leaveBehind(script: string): Promise<{ result: Awaited<ReturnType<typeof runCommand>>; elapsed: number; pid: number }> {
    const dir = await tempDir('keyturn-leftover-');
    dirs.push(dir);
    const pidFile = path.join(dir, 'bg.pid');
    const { ctx } = testContext();
    const started = Date.now();
    const result = await runCommand(['sh', '-c', script], { label: 'leave', env: { PID_FILE: pidFile }, timeoutMs: 20_000 }, ctx);
    const elapsed = Date.now() - started;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    pids.push(pid);
    return { result, elapsed, pid };
  }

  it('returns when the command exits, while a background child still holds its output', async () => {
    const { result, elapsed, pid } = await leaveBehind('sleep 300 & echo $! > "$PID_FILE"; exit 0');
    expect(result.exitCode).to.equal(0);
    expect(result.timedOut).to.equal(false);
    expect(elapsed).to.be.lessThan(2000);
    expect(processAlive(pid), 'the background child is left running').to.equal(true);
  });

  it('keeps what the command printed before it exited', async () => {
    const { result, pid } = await leaveBehind('echo started; sleep 300 & echo $! > "$PID_FILE"; echo "warming up" >&2; exit 4');
    expect(result.exitCode).to.equal(4);
    expect(result.stdout).to.equal('started');
    expect(result.stderr).to.equal('warming up');
    expect(processAlive(pid)).to.equal(true);
  });

  it('returns for a daemon that left the process group (setsid), and leaves it running', async () => {
    const daemon = 'setsid sh -c \'echo $$ > "$PID_FILE"; exec sleep 300\' &';
    const { result, elapsed, pid } = await leaveBehind(`${daemon} sleep 0.2; echo daemonized; exit 0`);
    expect(result.exitCode).to.equal(0);
    expect(result.stdout).to.equal('daemonized');
    expect(elapsed).to.be.lessThan(2000);
    expect(processAlive(pid)).to.equal(true);
  });

  it('still kills the whole group when the command itself does not exit in time', async () => {
    const { ctx } = testContext();
    const dir = await tempDir('keyturn-leftover-');
    dirs.push(dir);
    const pidFile = path.join(dir, 'bg.pid');
    const argv = ['sh', '-c', 'sleep 300 & echo $! > "$PID_FILE"; wait'];
    const result = await runCommand(argv, { label: 'hang', env: { PID_FILE: pidFile }, timeoutMs: 300 }, ctx);
    expect(result.timedOut).to.equal(true);
    expect(result.exitCode).to.equal(124);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    pids.push(pid);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processAlive(pid), 'the grandchild was killed with its group').to.equal(false);
  });
});
