/**
 * runCommand's own timeout kills the child, but execa then waits for the child's stdout and
 * stderr to close: a grandchild that inherited them (`sh -c 'sleep 600'`, a daemon that did
 * not detach its stdio) keeps the promise pending long after the deadline. This bounds it.
 */
import { runCommand, type CommandResult, type RunCommandOptions } from '../process/run-command.js';
import type { RunContext } from '../context.js';

/** How long after its timeout a command's output may still take to close. */
const STDIO_GRACE_MS = 2000;

export async function runBounded(argv: string[], options: RunCommandOptions & { timeoutMs: number }, ctx: RunContext): Promise<CommandResult> {
  let timer: NodeJS.Timeout | undefined;
  const limit = options.timeoutMs + STDIO_GRACE_MS;
  const expired = new Promise<CommandResult>((resolve) => {
    timer = setTimeout(() => {
      ctx.logger.debug(`${options.label}: output still open ${limit}ms after start; giving up on it`);
      resolve({ exitCode: 124, stdout: '', stderr: '', timedOut: true, durationMs: limit });
    }, limit);
  });
  try {
    return await Promise.race([runCommand(argv, options, ctx), expired]);
  } finally {
    clearTimeout(timer);
  }
}
