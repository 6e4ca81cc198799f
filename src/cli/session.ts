/**
 * Everything a command needs, built once: redactor, logger, prompt, the loaded
 * configuration and lazily opened stores and issuers. withSession also redacts any error
 * that escapes a command, since the CLI entry prints it.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { defaultActor, systemClock, type Clock, type RunContext } from '../context.js';
import { NOW_ENV } from '../env-names.js';
import { isKeyturnError, KeyturnError, messageOf, ExitCode, type ExitCodeValue } from '../errors.js';
import { IssuerSet } from '../issuers/registry.js';
import { createLogger } from '../log/logger.js';
import { Redactor } from '../log/redactor.js';
import { staticFindings } from '../policy/static.js';
import type { Finding } from '../policy/types.js';
import { StoreSet } from '../stores/registry.js';
import type { GlobalOptions } from './options.js';
import { createOutput, type Output } from './output.js';
import { createTerminalPrompt } from './prompt.js';
import type { Resources } from '../resources.js';

export interface Session {
  config: Config;
  findings: Finding[];
  ctx: RunContext;
  res: Resources;
  out: Output;
  options: GlobalOptions;
}

export async function withSession(
  options: GlobalOptions,
  command: (session: Session) => Promise<ExitCodeValue>,
  settings: { dryRun?: boolean } = {},
): Promise<ExitCodeValue> {
  const redactor = new Redactor();
  const logger = createLogger({ level: options.logLevel, format: options.logFormat, file: options.logFile, redactor });
  const out = createOutput(redactor);
  const ctx: RunContext = {
    cwd: process.cwd(),
    env: process.env,
    clock: clockFrom(process.env),
    logger,
    redactor,
    prompt: createTerminalPrompt(redactor),
    actor: defaultActor(),
    dryRun: Boolean(settings.dryRun),
  };
  let stores: StoreSet | undefined;
  try {
    const { config } = await loadConfig(path.resolve(options.config), { env: process.env });
    const findings = staticFindings(config);
    ctx.cwd = config.dir;
    stores = new StoreSet(config.stores, { baseDir: config.dir, env: process.env, dryRun: ctx.dryRun });
    ctx.store = (name) => stores!.get(name);
    const issuers = new IssuerSet(config.issuers);
    const res: Resources = { config, ctx, store: (name) => stores!.get(name), issuer: (name) => issuers.get(name) };
    return await command({ config, findings, ctx, res, out, options });
  } catch (error) {
    throw redacted(error, redactor);
  } finally {
    await stores?.closeAll().catch(() => undefined);
    await logger.close();
  }
}

/** The system clock, or with KEYTURN_NOW (tests) one that starts at that instant and runs at the real pace. */
function clockFrom(env: NodeJS.ProcessEnv): Clock {
  const text = env[NOW_ENV];
  if (text === undefined || text === '') return systemClock;
  const start = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(start))
    throw new KeyturnError(
      'EUSAGE',
      `${NOW_ENV} must be an ISO time such as 2026-10-27T08:00:00Z, not ${JSON.stringify(text)}`,
      ExitCode.usage,
    );
  const offset = start - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

function redacted(error: unknown, redactor: Redactor): KeyturnError {
  if (isKeyturnError(error)) {
    const copy = new KeyturnError(error.code, redactor.redact(error.message), error.exitCode, redactor.redactValue(error.details));
    return copy;
  }
  const stack = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return new KeyturnError('EUNEXPECTED', redactor.redact(`unexpected error: ${messageOf(error)}${stack}`), ExitCode.failed);
}
