/**
 * Plan lines for one consumer: the exact commands a rotation will run and the health check
 * it will wait for. Names of variables and fields only; values never reach a plan.
 */
import type { ConsumerConfig, HealthSpec } from '../config/types.js';
import { KEY_ID_ENV, ROTATION_ID_ENV } from '../env-names.js';
import { commandLine, displayUrl } from './format.js';
import { healthAttempts } from './health.js';
import { deliversEnv, effectiveHealth, restartSteps } from './presets.js';

export function describeConsumer(consumer: ConsumerConfig): string[] {
  const lines: string[] = [];
  const name = consumer.name;
  if (!consumer.restart) {
    lines.push(`restart ${name}: none declared`);
  } else {
    for (const step of restartSteps(consumer.restart, consumer.timeoutMs)) {
      const where = step.cwd ? `, in ${step.cwd}` : '';
      lines.push(`restart ${name}: ${commandLine(step.argv)} (within ${seconds(consumer.timeoutMs)}${where})`);
    }
  }
  const mapped = Object.entries(consumer.env).map(([envName, field]) => `${envName}=<key field ${field}>`);
  if (mapped.length > 0 && !deliversEnv(consumer.restart)) {
    lines.push(
      `env ${name}: not delivered, ${consumer.restart?.kind ?? 'no restart'} passes no environment to the service: ${mapped.join(', ')}`,
    );
  } else if (consumer.restart) {
    lines.push(`env ${name}: ${[...mapped, KEY_ID_ENV, ROTATION_ID_ENV].join(', ')}`);
  }
  const health = effectiveHealth(consumer);
  lines.push(health ? `health ${name}: ${describeHealth(health)}${consumer.health ? '' : ' (default)'}` : `health ${name}: none declared`);
  return lines;
}

function describeHealth(health: HealthSpec): string {
  const attempts = healthAttempts(health);
  const pacing = `up to ${attempts} attempt${attempts === 1 ? '' : 's'}, ${health.intervalMs}ms apart, ${seconds(health.timeoutMs)} each`;
  if (health.kind === 'http') return `GET ${displayUrl(health.url)} until ${health.expectStatus} (${pacing})`;
  return `${commandLine(health.command)} until exit 0 (${pacing})`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
