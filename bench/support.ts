/** What every benchmark shares: a quiet run context (no logs, no prompts) and a generated tokens file. */
import { PassThrough } from 'node:stream';
import { createTerminalPrompt } from '../src/cli/prompt.js';
import type { RunContext } from '../src/context.js';
import { silentLogger } from '../src/log/logger.js';
import { Redactor } from '../src/log/redactor.js';

export function benchContext(): RunContext {
  const redactor = new Redactor();
  return {
    cwd: process.cwd(),
    env: process.env,
    clock: { now: () => new Date() },
    logger: silentLogger,
    redactor,
    prompt: createTerminalPrompt(redactor, { input: process.stdin, output: new PassThrough() as unknown as NodeJS.WriteStream }),
    actor: 'bench',
    dryRun: false,
  };
}
