/**
 * Secrets shorter than 6 characters are masked as whole values only: a PIN as a whole token,
 * a 1–3 character secret as a whole field or JSON string value, never inside other words.
 */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/log/logger.js';
import { REDACTED, Redactor } from '../../src/log/redactor.js';

describe('Redactor: short secrets', () => {
  it('masks a 5-digit PIN as a whole token, not inside longer numbers or words', () => {
    const redactor = new Redactor();
    redactor.add('48213');
    const masked = `pin ${REDACTED}, PIN=${REDACTED} "${REDACTED}" (${REDACTED})`;
    expect(redactor.redact('pin 48213, PIN=48213 "48213" (48213)')).to.equal(masked);
    expect(redactor.redact('order 1482130 took 48213ms at x48213')).to.equal('order 1482130 took 48213ms at x48213');
  });

  it('keeps a PIN out of debug logs, in the message and in fields', async () => {
    const redactor = new Redactor();
    redactor.add('48213');
    const stream = new PassThrough();
    let logged = '';
    stream.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const logger = createLogger({ level: 'debug', format: 'json', redactor, stream });
    logger.debug('unlock with 48213', { pin: '48213', argv: ['unlock', '--pin', '48213'], env: { PIN: '48213' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).to.include(REDACTED);
    expect(logged).to.not.include('48213');
  });

  it('masks a 1–3 character secret only as a whole value: a field, a JSON string value', () => {
    const redactor = new Redactor();
    redactor.add('7k');
    expect(redactor.redactValue({ code: '7k', note: 'build 7k of 9', list: ['7k'] })).to.deep.equal({
      code: REDACTED,
      note: 'build 7k of 9',
      list: [REDACTED],
    });
    const json = '{"code":"7k","size":"17kb","note":"7k"}';
    expect(redactor.redact(json)).to.equal(`{"code":"${REDACTED}","size":"17kb","note":"${REDACTED}"}`);
    expect(redactor.redact('7k')).to.equal(REDACTED);
    expect(redactor.redact('uploaded 7k files')).to.equal('uploaded 7k files');
  });

  it('masks a 6–11 character secret wherever it appears whole, but not its pieces', () => {
    const redactor = new Redactor();
    redactor.add('hunter2!x');
    expect(redactor.redact('pw=hunter2!xy')).to.equal(`pw=${REDACTED}y`);
    expect(redactor.redact(Buffer.from('hunter2!x').toString('base64'))).to.equal(REDACTED);
    expect(redactor.redact('hunter2 is a meme')).to.equal('hunter2 is a meme');
  });
});
