/**
 * The one way keyturn starts a child process. Secrets travel in the environment (or
 * stdin), never in argv; everything the child prints is redacted before it is logged.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RunContext } from '../context.js';
import { MASTER_KEY_ENV } from '../env-names.js';

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
  // elapsed time, not a date: real time (see Clock)
  const started = Date.now();
  ctx.logger.debug(`run ${options.label}`, { argv });
  // execa is loaded on first use: plan and status never start a process and start faster without it
  const { execa } = await import('execa');
  const child = execa(file, args, {
    cwd: options.cwd ?? ctx.cwd,
    env: childEnv(ctx.env, options.env),
    extendEnv: false,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    // settle() reads the pipes itself: execa's buffering would wait for them to close
    buffer: false,
    // its own process group, so a timeout kills grandchildren too (an `sh -c` and what it started)
    detached: true,
    reject: false,
    windowsHide: true,
  });
  // settle() decides when the command is done; execa's own promise may wait on a left-behind process's pipes
  child.catch(() => undefined);
  const run = await settle(child, options);
  const outcome: CommandResult = {
    exitCode: run.timedOut ? 124 : run.spawnError ? 127 : (run.code ?? 1),
    stdout: run.stdout,
    stderr: run.spawnError ? run.stderr || `could not start ${file}: ${run.spawnError.message}` : run.stderr,
    timedOut: run.timedOut,
    durationMs: Date.now() - started,
  };
  ctx.logger.debug(`${options.label} exited ${outcome.exitCode}`, {
    durationMs: outcome.durationMs,
    timedOut: outcome.timedOut,
    stdout: options.secretOutput ? '[not logged: carries a secret]' : redactedTail(outcome.stdout, ctx.redactor),
    stderr: redactedTail(outcome.stderr, ctx.redactor),
  });
  return outcome;
}

interface Settled {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: Error;
}

/**
 * A command is done when it exits, not when its output pipes close: a process it left
 * running (`server &`, a daemon) inherits them and may hold them for hours. After the exit,
 * output still in flight is read until the pipes go quiet, then they are unref'd (not closed,
 * which would kill a background process at its next write) and what comes later is dropped.
 */
function settle(child: ChildProcess, options: RunCommandOptions): Promise<Settled> {
  return new Promise((resolve) => {
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    let timedOut = false;
    let done = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, options.timeoutMs);
    const finish = (code: number | null, spawnError?: Error) => {
      if (done) return;
      done = true;
      for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
      child.unref();
      resolve({ code, stdout: stdout.take(), stderr: stderr.take(), timedOut, spawnError });
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      finish(null, error);
    });
    child.once('exit', (code) => {
      // the deadline is the command's: processes it left behind are not killed at it
      clearTimeout(timer);
      void Promise.all([stdout.drained(), stderr.drained()]).then(() => finish(code));
    });
    if (child.stdin) {
      // a command that exits without reading its input is not an error of ours
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

/** After the exit: how long the pipes may stay silent before the rest is abandoned, and the most we wait. */
const QUIET_MS = 30;
const DRAIN_LIMIT_MS = 500;
/** what a command's output may hold in memory (execa's default) */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;

function collect(stream: Readable | null) {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let taken = false;
  let closed = stream === null;
  let lastData = Date.now();
  stream?.on('data', (chunk: Buffer) => {
    lastData = Date.now();
    if (taken || bytes >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk);
    bytes += chunk.length;
  });
  stream?.on('error', () => {});
  stream?.once('close', () => (closed = true));
  return {
    async drained(): Promise<void> {
      const exited = Date.now();
      // what the command wrote just before it exited may still be on its way
      while (!closed && Date.now() - Math.max(lastData, exited) < QUIET_MS && Date.now() - exited < DRAIN_LIMIT_MS) {
        await new Promise((wake) => setTimeout(wake, 5));
        // timers run before the event loop reads its pipes: on a busy loop the 5 ms can become 30 and more with
        // the output already waiting in the pipe. An immediate runs after that read, so silence is judged on it.
        await new Promise((wake) => setImmediate(wake));
      }
    },
    take(): string {
      taken = true;
      // execa's stripFinalNewline: scripts end with a newline, parsers and messages do not want it
      return Buffer.concat(chunks)
        .toString('utf8')
        .replace(/\r?\n$/, '');
    },
  };
}

/** keyturn's own secrets (the file store's master key) never reach a child process. */
const WITHHELD = [MASTER_KEY_ENV];

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
