import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createTerminalPrompt } from '../../../src/cli/prompt.js';
import { Redactor } from '../../../src/log/redactor.js';
import { rejection } from '../../support/expect-rejection.js';
import { scriptedPrompt } from '../../support/scripted-prompt.js';

/** Plain pipes, as under CI or `keyturn … | tee`: no terminal on either side. */
function pipes() {
  const input = new PassThrough() as unknown as NodeJS.ReadStream;
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  return { input, output: output as unknown as NodeJS.WriteStream, shown: () => shown };
}

describe('terminal prompt without a terminal', () => {
  it('is not interactive and refuses every question with ENOTTY', async () => {
    const { input, output } = pipes();
    const prompt = createTerminalPrompt(new Redactor(), { input, output });
    expect(prompt.interactive).to.equal(false);
    for (const ask of [() => prompt.confirm('Delete it?'), () => prompt.text('API Key: '), () => prompt.secret('Secret Key: ')]) {
      expect((await rejection(ask())).code).to.equal('ENOTTY');
    }
  });

  it('is not interactive when only one side is a terminal', () => {
    const { input, output } = pipes();
    (input as { isTTY?: boolean }).isTTY = true;
    expect(createTerminalPrompt(new Redactor(), { input, output }).interactive).to.equal(false);
  });

  it('say still shows messages, redacted', async () => {
    const { input, output, shown } = pipes();
    const redactor = new Redactor();
    redactor.add('s3cr3t-value-1');
    createTerminalPrompt(redactor, { input, output }).say('leaked s3cr3t-value-1 here');
    await new Promise((resolve) => setImmediate(resolve));
    expect(shown()).to.equal('leaked [REDACTED] here\n');
  });
});

describe('scripted prompt', () => {
  it('answers in order, parses yes/no, registers secrets, and records what was said redacted', async () => {
    const redactor = new Redactor();
    const prompt = scriptedPrompt(['alice', 'pa55word-xyz', 'y', 'no'], redactor);
    expect(await prompt.text('Who? ')).to.equal('alice');
    expect(await prompt.secret('Password: ')).to.equal('pa55word-xyz');
    expect(redactor.redact('pa55word-xyz')).to.equal('[REDACTED]');
    expect(await prompt.confirm('Sure?')).to.equal(true);
    expect(await prompt.confirm('Really?')).to.equal(false);
    prompt.say('typed pa55word-xyz');
    expect(prompt.said).to.deep.equal(['typed [REDACTED]']);
    expect(prompt.asked).to.deep.equal(['Who? ', 'Password: ', 'Sure?', 'Really?']);
    expect(prompt.remaining()).to.equal(0);
    expect((await rejection(prompt.text('More? '))).message).to.include('no answer left for "More? "');
  });

  it('can stand in for a missing terminal', async () => {
    const prompt = scriptedPrompt(['y'], new Redactor(), { interactive: false });
    expect(prompt.interactive).to.equal(false);
    expect((await rejection(prompt.confirm('Sure?'))).code).to.equal('ENOTTY');
    expect(prompt.remaining()).to.equal(1);
  });
});
