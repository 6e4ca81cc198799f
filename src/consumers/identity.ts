/**
 * When two keys' consumers are one service. A consumer is named in rotation.yaml under each
 * key that feeds it, so the same service appears once per key; keyturn counts two entries
 * as the same consumer when they have the same name, or the same restart target: the same
 * systemd unit, docker container, pm2 process, Kubernetes deployment (with its context and
 * namespace), or the same command run in the same folder.
 */
import type { ConsumerConfig, RestartSpec } from '../config/types.js';

/** The thing a restart acts on; undefined when the consumer declares no restart. */
export function restartTarget(restart: RestartSpec | undefined): string | undefined {
  if (!restart) return undefined;
  switch (restart.kind) {
    case 'command':
      return `command ${JSON.stringify([restart.command, restart.cwd ?? ''])}`;
    case 'systemd':
      return `systemd ${restart.unit}`;
    case 'docker':
      return `docker ${restart.container}`;
    case 'kubernetes':
      return `kubernetes ${JSON.stringify([restart.context ?? '', restart.namespace ?? '', restart.deployment])}`;
    case 'pm2':
      return `pm2 ${restart.process}`;
  }
}

/** What must match for one restart to serve several declarations: how it restarts, how it is checked, its deadline. */
export function restartShape(consumer: ConsumerConfig): string {
  return JSON.stringify([restartTarget(consumer.restart) ?? null, consumer.health ?? null, consumer.timeoutMs]);
}
