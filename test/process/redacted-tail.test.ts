/**
 * Output is cut to its last lines only after it has been redacted whole: a cut must not turn
 * a registered multi-line secret into lines the redactor no longer recognises.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { REDACTED, Redactor } from '../../src/log/redactor.js';
import { redactedTail, runCommand } from '../../src/process/run-command.js';
import { testContext } from '../consumers/support.js';

/** a secret of 20 lines, each too short to be registered on its own by anyone but the redactor */
const MULTI_LINE = Array.from({ length: 20 }, () => randomBytes(18).toString('base64')).join('\n');

describe('redactedTail', () => {
  it('masks a multi-line secret as one stretch before the cut, so no line of it is left over', () => {
    const redactor = new Redactor();
    redactor.add(MULTI_LINE);
    const tail = redactedTail(`starting\n${MULTI_LINE}\nfailed: bad key`, redactor, 4);
    // redacted whole, the 20 lines are one mask; cut first, they would be 3 lines of key
    expect(tail).to.equal(`starting\n${REDACTED}\nfailed: bad key`);
  });

  it('applies every mask it is given before cutting', () => {
    const run = new Redactor();
    run.add('known-secret-value-1234');
    const mask = new Redactor();
    mask.add('unparsed-token-abcdefgh');
    const tail = redactedTail('a known-secret-value-1234\nb unparsed-token-abcdefgh\nc\n', [mask, run], 2);
    expect(tail).to.equal(`b ${REDACTED}\nc`);
  });

  it("keeps the lines of a secret out of runCommand's own debug log of a failed command", async () => {
    const { ctx, logs } = testContext();
    ctx.redactor.add(MULTI_LINE);
    const argv = ['sh', '-c', 'printf "%s\\n" "$KEY" >&2; printf "%s\\n" "$KEY"; exit 3'];
    const result = await runCommand(argv, { label: 'leaky', env: { KEY: MULTI_LINE } }, ctx);
    expect(result.exitCode).to.equal(3);
    const logged = await logs();
    expect(logged).to.include('leaky exited 3').and.include(REDACTED);
    for (const line of MULTI_LINE.split('\n')) expect(logged).to.not.include(line.slice(0, 12));
  });
});
