/** The pieces of the progress display that need no process: the choice of display, the hooks, the plain lines. */
import { expect } from 'chai';
import type { RotationJob, StepHooks } from '../../src/engine/job.js';
import type { RotationResult } from '../../src/engine/result.js';
import { Redactor } from '../../src/log/redactor.js';
import type { StepName } from '../../src/model.js';
import { withProgress } from '../../src/cli/progress/hooks.js';
import { progressMode, type ModeInputs } from '../../src/cli/progress/mode.js';
import { plainProgress } from '../../src/cli/progress/plain.js';
import { fit } from '../../src/cli/progress/text.js';

describe('progress: choice of display', () => {
  const terminal: ModeInputs = { tty: true, columns: 100, rows: 40, lines: 3, env: { TERM: 'xterm-256color' } };

  it('live only on a sized terminal that moves the cursor and has a row per key', () => {
    expect(progressMode(terminal)).to.equal('live');
    expect(progressMode({ ...terminal, env: { TERM: 'dumb' } })).to.equal('plain');
    expect(progressMode({ ...terminal, tty: false })).to.equal('plain');
    expect(progressMode({ ...terminal, columns: 0 })).to.equal('plain');
    expect(progressMode({ ...terminal, rows: undefined })).to.equal('plain');
    expect(progressMode({ ...terminal, lines: 40 })).to.equal('plain');
  });

  it('none with --json or --quiet, terminal or not', () => {
    for (const base of [terminal, { ...terminal, tty: false }]) {
      expect(progressMode({ ...base, json: true })).to.equal('off');
      expect(progressMode({ ...base, quiet: true })).to.equal('off');
    }
  });
});

describe('progress: hooks composed with the run’s own', () => {
  const job = { key: { id: 'key-1' } } as unknown as RotationJob;

  it('keeps every member of the outer hooks, runs their before first, and then names the step', async () => {
    const calls: string[] = [];
    const restarts = { join: async () => [], restore: () => undefined };
    const outer: StepHooks = {
      before: async (_job, step) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        calls.push(`outer:${step}`);
      },
      after: (_job, step) => calls.push(`after:${step}`),
      idle: () => calls.push('idle'),
      restarts,
    };
    const hooks = withProgress((key, step) => calls.push(`shown:${key}:${step}`), outer);
    await hooks.before!(job, 'create');
    hooks.after!(job, 'create');
    hooks.idle!(job);
    expect(calls).to.deep.equal(['outer:create', 'shown:key-1:create', 'after:create', 'idle']);
    expect(hooks.restarts).to.equal(restarts);
  });

  it("fails the step when the run's own before throws, never when the display does", async () => {
    const broken = withProgress(() => {
      throw new Error('display gone');
    });
    await broken.before!(job, 'stage');
    const refusing = withProgress(() => undefined, {
      before: async () => {
        throw new Error('lane closed');
      },
    });
    let error: unknown;
    await refusing.before!(job, 'stage').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error).with.property('message', 'lane closed');
  });
});

describe('progress: plain lines', () => {
  it('one line per event; an error is redacted and kept on its line', () => {
    const redactor = new Redactor();
    const secret = 'sk_live_Zq9wXy7Vb3Nm5Kp1';
    redactor.add(secret);
    const lines: string[] = [];
    const sink = plainProgress((line) => lines.push(line), redactor);
    const steps: StepName[] = ['create', 'stage'];
    for (const step of steps) sink.step('key-1', step);
    const failed: RotationResult = {
      key: 'key-1',
      trigger: 'manual',
      outcome: 'rolled-back',
      failedStep: 'stage',
      error: `store refused ${secret}\nsecond line`,
      durationMs: 1234,
    };
    sink.result(failed);
    sink.result({ key: 'key\u001b[2J-2', trigger: 'manual', outcome: 'completed', durationMs: 50 });
    expect(lines).to.deep.equal([
      'key-1: create',
      'key-1: stage',
      'key-1: rolled-back at stage in 1.2s: store refused [REDACTED]\\nsecond line',
      'key\\x1b[2J-2: completed in 0.1s',
    ]);
  });

  it('fit cuts a line to the width with an ellipsis', () => {
    expect(fit('key-1  completed in 1.2s', 40)).to.equal('key-1  completed in 1.2s');
    expect(fit('key-1  rolled-back at create in 0.3s: long', 20)).to.equal('key-1  rolled-back …');
  });
});
