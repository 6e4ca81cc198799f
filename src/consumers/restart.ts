/**
 * Restart one consumer on a delivered key, then wait for its health check. The same call
 * serves a rotation (the new key) and a rollback (the old one).
 */
import path from 'node:path';
import type { ConsumerConfig } from '../config/types.js';
import type { RunContext } from '../context.js';
import { errors } from '../errors.js';
import { redactedTail, runCommand } from '../process/run-command.js';
import { publicEnv, sharedSecretEnv, type Delivery, type Share } from './delivery.js';
import { commandLine } from './format.js';
import { waitHealthy } from './health.js';
import { effectiveHealth, restartSteps, type RestartStep } from './presets.js';

/** extra time a self-timed command (kubectl --timeout) gets to report its own timeout */
const SELF_TIMED_GRACE_MS = 5000;

export async function restartConsumer(consumer: ConsumerConfig, delivery: Delivery, ctx: RunContext): Promise<void> {
  await restartWith(consumer, [{ delivery, mapping: consumer.env }], ctx);
}

/**
 * Restart a consumer once on several keys at once (a consumer shared by keys of one run,
 * src/engine/consumer-groups.ts): every share's env mapping applied together, one health check.
 * `consumer` gives the restart, the health check and the deadline, which the shares agree on.
 */
export async function restartWith(consumer: ConsumerConfig, shares: readonly Share[], ctx: RunContext): Promise<void> {
  const deliveries = shares.map((s) => s.delivery);
  const keyId = deliveries.map((d) => d.keyId).join(',');
  // Built first, so a missing field fails before anything is restarted.
  const withSecrets = sharedSecretEnv(shares, ctx, (field, envName, share) =>
    errors.consumer(
      `consumer ${consumer.name}: the key${shares.length > 1 ? ` ${share.delivery.keyId}` : ''} ` +
        `has no field "${field}" (mapped to ${envName})`,
      `fields are named in the consumer's env mapping; this key's material has: ` +
        (Object.keys(share.delivery.material).join(', ') || 'no fields'),
    ),
  );
  const withoutSecrets = publicEnv(deliveries, ctx);
  const steps = consumer.restart ? restartSteps(consumer.restart, consumer.timeoutMs) : [];
  const health = effectiveHealth(consumer);
  const mapped = shares.flatMap((s) => Object.keys(s.mapping));

  if (ctx.dryRun) {
    ctx.logger.info(`dry-run: would restart consumer ${consumer.name}`, { keyId });
    return;
  }
  if (mapped.length > 0 && steps.length > 0 && !steps.some((step) => step.carriesEnv)) {
    ctx.logger.warn(
      `consumer ${consumer.name}: ${consumer.restart?.kind} does not pass keyturn's environment to the service; ` +
        `${mapped.join(', ')} not delivered (the service must read the key from the store)`,
    );
  }

  // the timeout is elapsed time, not a date: real time (see Clock)
  const started = Date.now();
  for (const step of steps) {
    const remaining = consumer.timeoutMs - (Date.now() - started);
    if (remaining <= 0) throw timedOut(consumer, step);
    await runStep(consumer, step, step.carriesEnv ? withSecrets : withoutSecrets, remaining, ctx);
  }
  if (health) await waitHealthy(consumer.name, health, withoutSecrets, ctx, started + consumer.timeoutMs);
  ctx.logger.info(`consumer ${consumer.name} restarted`, {
    keyId,
    rotationId: deliveries.map((d) => d.rotationId).join(','),
    durationMs: Date.now() - started,
    health: health ? 'passed' : 'none declared',
  });
}

async function runStep(
  consumer: ConsumerConfig,
  step: RestartStep,
  env: Record<string, string>,
  remainingMs: number,
  ctx: RunContext,
): Promise<void> {
  const result = await runCommand(
    step.argv,
    {
      label: `restart ${consumer.name}`,
      env,
      cwd: step.cwd === undefined ? ctx.cwd : path.resolve(ctx.cwd, step.cwd),
      timeoutMs: step.selfTimed ? remainingMs + SELF_TIMED_GRACE_MS : remainingMs,
    },
    ctx,
  );
  if (result.timedOut) throw timedOut(consumer, step);
  if (result.exitCode !== 0) {
    const output = redactedTail(result.stderr || result.stdout, ctx.redactor);
    throw errors.consumer(
      `consumer ${consumer.name}: \`${ctx.redactor.redact(commandLine(step.argv))}\` ` +
        `exited ${result.exitCode}${output ? `:\n${output}` : ''}`,
      result.exitCode === 127 ? 'is the command installed and on PATH?' : undefined,
    );
  }
}

function timedOut(consumer: ConsumerConfig, step: RestartStep) {
  return errors.consumer(
    `consumer ${consumer.name}: restart did not finish within ${consumer.timeoutMs}ms (at \`${commandLine(step.argv)}\`)`,
    'raise the consumer timeout if the restart is slow, or find out why it hangs',
  );
}

// The engine's step table imports the plan lines beside the action they describe.
export { describeConsumer } from './describe.js';
