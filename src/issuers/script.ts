/**
 * Running an issuer's own scripts (register, create, revoke, check, …) through runCommand,
 * and turning a failed run into an error an operator can act on: exit code, timeout, and
 * the tail of stderr with every known secret masked. stdout never goes into an error: for
 * a create it is the secret itself.
 */
import type { IssuerConfig } from '../config/types.js';
import type { RunContext } from '../context.js';
import { errors, type KeyturnError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { Redactor } from '../log/redactor.js';
import { redactedTail, runCommand, type CommandResult } from '../process/run-command.js';
import { baseEnv } from './script-env.js';
import { parseListOutput } from './script-output.js';
import type { IssueTarget, KeyInfo } from './types.js';

export interface ScriptRun {
  issuer: IssuerConfig;
  /** the option name: create, revoke, register, check, … */
  step: string;
  argv: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** stdout carries a secret the redactor does not know yet */
  secretOutput?: boolean;
  /** written to the script's stdin: public data only (secrets go in env) */
  input?: string;
}

export function scriptLabel(run: Pick<ScriptRun, 'issuer' | 'step'>): string {
  return `issuer ${run.issuer.name} ${run.step}`;
}

/** runCommand returns when the script exits (or is killed at its timeout), whatever its descendants still hold open. */
export function runScript(run: ScriptRun, ctx: RunContext): Promise<CommandResult> {
  const label = scriptLabel(run);
  return runCommand(run.argv, { label, env: run.env, timeoutMs: run.timeoutMs, secretOutput: run.secretOutput, input: run.input }, ctx);
}

/** A mutating issuer call during a dry run is a bug in the caller: fail loudly, change nothing. */

/**
 * EISSUER (or EVERIFY) for a script that failed. `mask` hides what the redactor cannot know
 * yet (the tokens of a create's unparsed stdout) before the message is built.
 */
export function scriptFailure(
  kind: 'issuer' | 'verify',
  run: Pick<ScriptRun, 'issuer' | 'step' | 'timeoutMs'>,
  result: CommandResult,
  redactor: Redactor,
  why?: string,
  mask?: Redactor,
): KeyturnError {
  const label = scriptLabel(run);
  const reason = why ?? (result.timedOut ? `timed out after ${run.timeoutMs}ms` : `exited ${result.exitCode}`);
  const shown = redactedTail(result.stderr, mask ? [mask, redactor] : redactor);
  // one line when the stderr tail is one line, so tables and summaries stay readable
  const message = !shown
    ? `${label} ${reason} (nothing on stderr)`
    : shown.includes('\n')
      ? `${label} ${reason}; its stderr ends with:\n${shown}`
      : `${label} ${reason}: ${shown}`;
  const hint = `run the \`${run.step}\` command of issuer ${run.issuer.name} by hand with the same KEYTURN_* environment`;
  return kind === 'verify' ? errors.verify(message, hint) : errors.issuer(message, hint);
}

/**
 * A redactor for output whose secrets are not registered yet (a create whose stdout could
 * not be parsed): every word-like token of that output is treated as secret.
 */
export function maskTokensOf(text: string): Redactor {
  const mask = new Redactor();
  for (const token of text.split(/[\s"'`{}[\],:;=]+/)) if (token.length >= 8) mask.add(token);
  return mask;
}

/**
 * While a command that prints a new secret runs, runCommand logs its stderr at debug before
 * keyturn has read the secret from stdout, so the redactor cannot mask it yet. This holds
 * those log lines back until the material is registered, then lets them through.
 */
export function holdLogs(ctx: RunContext): { ctx: RunContext; release(mask?: Redactor): void; discard(why: string): void } {
  const held: Array<{ level: 'error' | 'warn' | 'info' | 'debug'; message: string; fields?: Record<string, unknown> }> = [];
  const hold = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, fields?: Record<string, unknown>) => {
    held.push({ level, message, fields });
  };
  const logger: Logger = {
    error: hold('error'),
    warn: hold('warn'),
    info: hold('info'),
    debug: hold('debug'),
    close: () => ctx.logger.close(),
  };
  return {
    ctx: { ...ctx, logger },
    release(mask?: Redactor) {
      for (const entry of held.splice(0)) {
        const message = mask ? mask.redact(entry.message) : entry.message;
        const fields = mask && entry.fields ? mask.redactValue(entry.fields) : entry.fields;
        ctx.logger[entry.level](message, fields);
      }
    },
    /** when the output could not be read at all, nothing held can be trusted */
    discard(why: string) {
      const count = held.splice(0).length;
      if (count > 0) ctx.logger.debug(`${count} log line(s) dropped: ${why}`);
    },
  };
}

/** `list` through a script printing `[{keyId, name?, createdAt?}]`: shared by the command and ed25519 issuers. */
export function listByScript(issuer: IssuerConfig, argv: string[], timeoutMs: number) {
  return async ({ key }: IssueTarget, ctx: RunContext): Promise<KeyInfo[]> => {
    const run: ScriptRun = { issuer, step: 'list', argv, env: baseEnv({ key: key.id, issuer: issuer.name }), timeoutMs };
    const result = await runScript(run, ctx);
    if (result.exitCode !== 0) throw scriptFailure('issuer', run, result, ctx.redactor);
    const keys = parseListOutput(result.stdout);
    if (typeof keys === 'string') throw scriptFailure('issuer', run, result, ctx.redactor, keys);
    return keys;
  };
}
