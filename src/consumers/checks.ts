/**
 * Custom smoke checks: commands that prove the new key works for what it is for, run after
 * the issuer's own verify. They get the key the same way consumers do: by env, never argv.
 */
import type { CheckConfig } from '../config/types.js';
import type { RunContext } from '../context.js';
import { errors } from '../errors.js';
import { redactedTail, runCommand } from '../process/run-command.js';
import { secretEnv, type Delivery } from './delivery.js';

export async function runChecks(checks: CheckConfig[], delivery: Delivery, ctx: RunContext): Promise<void> {
  for (const check of checks) {
    const env = secretEnv(check.env, delivery, ctx, (field, envName) =>
      errors.verify(`check ${check.name}: the key has no field "${field}" (mapped to ${envName})`),
    );
    if (ctx.dryRun) {
      ctx.logger.info(`dry-run: would run check ${check.name}`);
      continue;
    }
    const result = await runCommand(check.command, { label: `check ${check.name}`, env, timeoutMs: check.timeoutMs }, ctx);
    if (result.timedOut) {
      throw errors.verify(`check ${check.name} did not finish within ${check.timeoutMs}ms`);
    }
    if (result.exitCode !== 0) {
      const output = redactedTail(result.stderr || result.stdout, ctx.redactor);
      throw errors.verify(`check ${check.name} failed (exit ${result.exitCode})${output ? `:\n${output}` : ''}`);
    }
    ctx.logger.info(`check ${check.name} passed`, { keyId: delivery.keyId });
  }
}
