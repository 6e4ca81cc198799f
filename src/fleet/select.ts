/**
 * Which keys to enqueue: the selection of plan and rotate (named keys, --due, --all,
 * --owner, --tag), read against the store's records; keys an error-level policy finding
 * blocks are left out and named.
 */
import type { Config } from '../config/types.js';
import { readStates } from '../plan/build.js';
import { selectKeys, type Selection } from '../plan/select.js';
import { blocksRotation, staticFindings } from '../policy/index.js';
import type { Resources } from '../resources.js';
import type { EnqueueRequest } from './enqueue.js';

export interface Chosen {
  requests: EnqueueRequest[];
  /** key ids left out: blocked by policy */
  blocked: string[];
}

export async function chooseKeys(config: Config, res: Resources, selection: Selection): Promise<Chosen> {
  const states = await readStates(config, res);
  const records = new Map([...states].map(([id, s]) => [id, s.record]));
  const inFlight = new Set([...states].filter(([, s]) => s.journal).map(([id]) => id));
  const selected = selectKeys(config, selection, records, res.ctx.clock.now(), inFlight);
  const findings = staticFindings(config);
  const requests: EnqueueRequest[] = [];
  const blocked: string[] = [];
  for (const s of selected) {
    if (blocksRotation(findings, s.key.id)) blocked.push(s.key.id);
    else requests.push({ key: s.key, trigger: s.trigger });
  }
  return { requests, blocked };
}
