/**
 * The one way keyturn starts a child process. Secrets travel in the environment (or
 * stdin), never in argv; everything the child prints is redacted before it is logged.
 */
import type { RunContext } from '../context.js';

/** anything that masks secrets in a text: the run's redactor, a create's token mask */
export interface Masker {
  redact(text: string): string;
}

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
  // execa is loaded on first use: plan and status never start a process and start faster without it
  const { execa } = await import('execa');
  const child = execa(file, args, {
    cwd: options.cwd ?? ctx.cwd,
    env: childEnv(ctx.env, options.env),
    extendEnv: false,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    // its own process group, so a timeout kills grandchildren too (an `sh -c` and what it started)
    detached: true,
    reject: false,
    stripFinalNewline: true,
    windowsHide: true,
  });
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killGroup(child.pid);
        }, options.timeoutMs);
  const result = await child.finally(() => clearTimeout(timer));
  const outcome: CommandResult = {
    exitCode: timedOut ? 124 : typeof result.exitCode === 'number' ? result.exitCode : 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut,
    durationMs: Date.now() - started,
  };
  if (result.failed && result.exitCode === undefined && !timedOut && !result.signal) {
    // spawn failure (ENOENT, EACCES): execa reports it in shortMessage
    outcome.stderr = outcome.stderr || String(result.shortMessage ?? 'could not start the command');
    outcome.exitCode = 127;
  }
  ctx.logger.debug(`${options.label} exited ${outcome.exitCode}`, {
    durationMs: outcome.durationMs,
    timedOut: outcome.timedOut,
    stdout: options.secretOutput ? '[not logged: carries a secret]' : redactedTail(outcome.stdout, ctx.redactor),
    stderr: redactedTail(outcome.stderr, ctx.redactor),
  });
  return outcome;
}

/** keyturn's own secrets (the file store's master key) never reach a child process. */
const WITHHELD = ['KEYTURN_MASTER_KEY'];

function childEnv(base: NodeJS.ProcessEnv, extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined && !WITHHELD.includes(name)) env[name] = value;
  return { ...env, ...extra };
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The last lines of a command's output for an error or a log line, masked. The whole output
 * is redacted first, then cut: cutting first could split a secret (a PEM key's lines) into
 * pieces that are no longer the registered value. The only way to cut output, on purpose.
 */
export function redactedTail(text: string, redactors: Masker | Masker[], lines = 8): string {
  let masked = text;
  for (const redactor of Array.isArray(redactors) ? redactors : [redactors]) masked = redactor.redact(masked);
  return masked.trimEnd().split('\n').slice(-lines).join('\n');
}
