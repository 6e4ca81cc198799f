/**
 * Everything a command needs, built once: redactor, logger, prompt, the loaded
 * configuration and lazily opened stores and issuers. withSession also redacts any error
 * that escapes a command, since the CLI entry prints it.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { defaultActor, systemClock, type RunContext } from '../context.js';
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
    clock: systemClock,
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

function redacted(error: unknown, redactor: Redactor): KeyturnError {
  if (isKeyturnError(error)) {
    const copy = new KeyturnError(error.code, redactor.redact(error.message), error.exitCode, redactor.redactValue(error.details));
    return copy;
  }
  const stack = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return new KeyturnError('EUNEXPECTED', redactor.redact(`unexpected error: ${messageOf(error)}${stack}`), ExitCode.failed);
}
