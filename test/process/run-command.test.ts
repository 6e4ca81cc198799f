import { expect } from 'chai';
import { runCommand } from '../../src/process/run-command.js';
import { testContext } from '../consumers/support.js';

describe('runCommand', () => {
  it('kills the whole process group on timeout, grandchildren included, without waiting for them', async () => {
    const { ctx } = testContext();
    const started = Date.now();
    const result = await runCommand(['sh', '-c', 'sleep 30 & sleep 30; echo never'], { label: 'slow', timeoutMs: 300 }, ctx);
    expect(result.timedOut).to.equal(true);
    expect(result.exitCode).to.equal(124);
    expect(Date.now() - started).to.be.lessThan(3000);
  });

  it("passes secrets by env, and withholds keyturn's own master key from children", async () => {
    const { ctx } = testContext({ env: { PATH: process.env.PATH, KEYTURN_MASTER_KEY: 'aa'.repeat(32), OTHER: 'kept' } });
    const result = await runCommand(
      ['sh', '-c', 'echo "${KEYTURN_MASTER_KEY:-absent} $OTHER $GIVEN"'],
      { label: 'env', env: { GIVEN: 'given-value' } },
      ctx,
    );
    expect(result.exitCode).to.equal(0);
    expect(result.stdout).to.equal('absent kept given-value');
  });

  it('reports a command that cannot start with exit 127', async () => {
    const { ctx } = testContext();
    const result = await runCommand(['/nonexistent/keyturn-cmd'], { label: 'missing' }, ctx);
    expect(result.exitCode).to.equal(127);
    expect(result.stderr).to.match(/ENOENT|not found|nonexistent/i);
  });
});
