/**
 * The commands each restart kind runs. One table, so `plan` shows exactly what `rotate` runs.
 */
import type { ConsumerConfig, HealthSpec, RestartSpec } from '../config/types.js';

export interface RestartStep {
  argv: string[];
  /**
   * The command hands its environment on to the restarted service (a plain command, pm2
   * --update-env), so it gets the secret variables. systemctl, docker and kubectl do not pass
   * the caller's environment to the service: they never see the secret.
   */
  carriesEnv: boolean;
  /** the command enforces the consumer's timeout itself (kubectl --timeout) and should get to report it */
  selfTimed?: boolean;
  /** the command runs here, not in the run's cwd */
  cwd?: string;
}

/** systemd's default health check: short, because `systemctl restart` already waited for start-up. */
const SYSTEMD_HEALTH = { timeoutMs: 5000, retries: 5, intervalMs: 1000 };

export function restartSteps(restart: RestartSpec, timeoutMs: number): RestartStep[] {
  switch (restart.kind) {
    case 'command':
      return [{ argv: [...restart.command], carriesEnv: true, cwd: restart.cwd }];
    case 'systemd':
      return [{ argv: ['systemctl', 'restart', restart.unit], carriesEnv: false }];
    case 'docker':
      return [{ argv: ['docker', 'restart', restart.container], carriesEnv: false }];
    case 'kubernetes': {
      const kubectl = ['kubectl'];
      if (restart.context) kubectl.push('--context', restart.context);
      if (restart.namespace) kubectl.push('-n', restart.namespace);
      const target = `deployment/${restart.deployment}`;
      return [
        { argv: [...kubectl, 'rollout', 'restart', target], carriesEnv: false },
        {
          argv: [...kubectl, 'rollout', 'status', target, `--timeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}s`],
          carriesEnv: false,
          selfTimed: true,
        },
      ];
    }
    case 'pm2':
      return [{ argv: ['pm2', 'restart', restart.process, '--update-env'], carriesEnv: true }];
  }
}

/** The health check a consumer gets when it declares none: only systemd has an obvious one. */
export function defaultHealth(consumer: ConsumerConfig): HealthSpec | undefined {
  if (consumer.restart?.kind === 'systemd') {
    return { kind: 'command', command: ['systemctl', 'is-active', '--quiet', consumer.restart.unit], ...SYSTEMD_HEALTH };
  }
  return undefined;
}

export function effectiveHealth(consumer: ConsumerConfig): HealthSpec | undefined {
  return consumer.health ?? defaultHealth(consumer);
}

/** true when the consumer's env mapping can reach the service with this restart kind */
export function deliversEnv(restart: RestartSpec | undefined): boolean {
  return restart !== undefined && restartSteps(restart, 1000).some((step) => step.carriesEnv);
}
