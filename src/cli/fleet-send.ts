/**
 * Hand rotations to the fleet (`keyturn worker`): one job per key on its zone's queue. Shared
 * by `enqueue`, `offboard --queue` and `revoke --queue`; pg-boss is loaded only when a command
 * sends. Keys blocked by policy are named and left out (exit 2), as the worker would refuse them.
 */
import type { KeyConfig } from '../config/types.js';
import { errors, ExitCode, type ExitCodeValue } from '../errors.js';
import type { EnqueueRequest } from '../fleet/enqueue.js';
import type { Session } from './session.js';

/** The rotation.yaml's fleet section, or a config error naming the file and the fix. */
export function fleetOf(session: Session): NonNullable<Session['config']['fleet']> {
  const fleet = session.config.fleet;
  if (!fleet)
    throw errors.config('rotation.yaml has no fleet section', session.config.file, 'add fleet: { queue: { url: ${KEYTURN_QUEUE_URL} } }');
  return fleet;
}

export async function sendToFleet(
  session: Session,
  requests: readonly EnqueueRequest[],
  blocked: readonly string[],
): Promise<ExitCodeValue> {
  const fleet = fleetOf(session);
  const { openQueue, ensureQueues } = await import('../fleet/boss.js');
  const { enqueueRotations } = await import('../fleet/enqueue.js');
  const { zonesOf } = await import('../fleet/names.js');
  for (const id of blocked) session.ctx.logger.warn(`${id}: blocked by policy; not enqueued (keyturn plan ${id} shows why)`);
  const boss = await openQueue(fleet, session.ctx, { supervise: false });
  try {
    await ensureQueues(boss, fleet, zonesOf(session.config.keys));
    const sent = await enqueueRotations(boss, fleet, requests);
    if (session.options.json) session.out.json({ enqueued: sent, blocked });
    else {
      for (const s of sent) session.out.line(`${s.key}: ${s.jobId ? `queued on ${s.queue}` : `already waiting on ${s.queue}`}`);
      const fresh = sent.filter((s) => s.jobId).length;
      session.out.line(
        `${fresh} job(s) enqueued, ${sent.length - fresh} already waiting${blocked.length ? `, ${blocked.length} blocked` : ''}.`,
      );
    }
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => undefined);
  }
  return blocked.length ? ExitCode.usage : ExitCode.ok;
}

/** Requests for the keys a plan may run, and the ids it blocks. */
export function planRequests(
  plan: { keys: ReadonlyArray<{ key: string; blocked: boolean }> },
  byId: ReadonlyMap<string, KeyConfig>,
  trigger: EnqueueRequest['trigger'],
  reason: string,
): { requests: EnqueueRequest[]; blocked: string[] } {
  const requests: EnqueueRequest[] = [];
  const blocked: string[] = [];
  for (const k of plan.keys) {
    if (k.blocked) blocked.push(k.key);
    else requests.push({ key: byId.get(k.key)!, trigger, reason });
  }
  return { requests, blocked };
}
