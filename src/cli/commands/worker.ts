/**
 * keyturn worker: take rotation jobs from the fleet's queue until SIGTERM (or SIGINT), then
 * drain: no new job, running rotations finish within --grace, exit 0 (1 if the grace ran
 * out first: those jobs expire and another worker resumes them from their journal).
 * pg-boss and prom-client load only when this command runs.
 */
import { parseDuration } from '../../config/duration.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

interface WorkerArgs extends GlobalOptions {
  zone?: string;
  concurrency?: number;
  grace?: string;
  poll?: string;
  metricsPort?: number;
}

export async function run(argv: WorkerArgs): Promise<ExitCodeValue> {
  const graceMs = durationOption('grace', argv.grace ?? '5m', 0);
  const pollMs = durationOption('poll', argv.poll ?? '2s', 500);
  if (argv.zone !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(argv.zone))
    throw errors.usage(`--zone must be a name (letters, digits, '.', '_', '-'), not ${JSON.stringify(argv.zone)}`);
  return withSession(argv, async (session) => {
    const { config, ctx } = session;
    if (!config.fleet)
      throw errors.config('rotation.yaml has no fleet section', config.file, 'add fleet: { queue: { url: ${KEYTURN_QUEUE_URL} } }');
    if (argv.zone !== undefined && !config.keys.some((k) => k.zone === argv.zone))
      ctx.logger.warn(`no key in rotation.yaml has zone ${argv.zone}: this worker will find no jobs until one does`);
    const { FleetWorker } = await import('../../fleet/worker.js');
    const worker = new FleetWorker(config, session.res, {
      zone: argv.zone,
      concurrency: argv.concurrency ?? config.defaults.concurrency,
      graceMs,
      pollMs,
    });
    let stop!: (signal: string) => void;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    let metrics: import('../../fleet/metrics.js').WorkerMetrics | undefined;
    try {
      if (argv.metricsPort !== undefined) {
        const { WorkerMetrics } = await import('../../fleet/metrics.js');
        metrics = new WorkerMetrics({
          queueDepth: () => worker.queueDepth(),
          ready: () => worker.ready,
          dueKeys: () => worker.dueKeys(),
        });
        worker.metrics = metrics;
        const port = await metrics.listen(argv.metricsPort);
        ctx.logger.info(`metrics on http://127.0.0.1:${port}/metrics (also /healthz, /readyz)`);
      }
      await worker.start();
      const signal = await stopped;
      ctx.logger.info(`${signal}: draining (no new jobs; running rotations have ${argv.grace ?? '5m'} to finish)`);
      const { unfinished } = await worker.drain();
      if (unfinished.length) {
        ctx.logger.warn(
          `grace period over with ${unfinished.length} rotation(s) still running (${unfinished.join(', ')}): ` +
            'their jobs expire and another worker resumes them',
        );
        // a rotation still running keeps the process alive; its job is the fleet's again after expiry
        setTimeout(() => process.exit(ExitCode.failed), 3000).unref();
        return ExitCode.failed;
      }
      ctx.logger.info('drained: every running rotation finished');
      return ExitCode.ok;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await metrics?.close();
    }
  });
}

function durationOption(name: string, text: string, minMs: number): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < minMs) {
    const floor = minMs ? ` of at least ${minMs}ms` : '';
    throw errors.usage(`--${name} must be a duration${floor} such as 30s, 5m or 1h, not ${JSON.stringify(text)}`);
  }
  return ms;
}
