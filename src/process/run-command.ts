/**
 * The one way keyturn starts a child process. Secrets travel in the environment (or
 * stdin), never in argv; everything the child prints is redacted before it is logged.
 */
import { execa } from 'execa';
import type { RunContext } from '../context.js';

export interface RunCommandOptions {
  /** what this command is for, in log lines: "restart grid-bot" */
  label: string;
  /** extra environment for the child (secrets go here) */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** text written to the child's stdin */
  input?: string;
  /** stdout carries a secret not yet known to the redactor (an issuer's create): never log it */
  secretOutput?: boolean;
}

export interface CommandResult {
  exitCode: number;
  /** raw output: may hold secrets (an issuer's create); callers must not log it unredacted */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export async function runCommand(argv: string[], options: RunCommandOptions, ctx: RunContext): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error(`${options.label}: empty command`);
  const started = Date.now();
  ctx.logger.debug(`run ${options.label}`, { argv });
  const result = await execa(file, args, {
    cwd: options.cwd ?? ctx.cwd,
    env: { ...options.env },
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    reject: false,
    stripFinalNewline: true,
    windowsHide: true,
  });
  const outcome: CommandResult = {
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : result.timedOut ? 124 : 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut: Boolean(result.timedOut),
    durationMs: Date.now() - started,
  };
  if (result.failed && result.exitCode === undefined && !result.timedOut) {
    // spawn failure (ENOENT, EACCES): execa reports it in shortMessage
    outcome.stderr = outcome.stderr || String(result.shortMessage ?? 'could not start the command');
    outcome.exitCode = 127;
  }
  ctx.logger.debug(`${options.label} exited ${outcome.exitCode}`, {
    durationMs: outcome.durationMs,
    timedOut: outcome.timedOut,
    stdout: options.secretOutput ? '[not logged: carries a secret]' : tail(outcome.stdout),
    stderr: tail(outcome.stderr),
  });
  return outcome;
}

/** The last lines of a command's output, for error messages (callers redact). */
export function tail(text: string, lines = 8): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
