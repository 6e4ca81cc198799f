/**
 * keyturn enqueue: hand rotations to the fleet (`keyturn worker`). One job per selected key
 * on its zone's queue; a key already waiting is not queued twice (src/cli/fleet-send.ts).
 */
import { errors, type ExitCodeValue } from '../../errors.js';
import { keysHeldBy } from '../../plan/people.js';
import { isEmptySelection } from '../../plan/select.js';
import type { GlobalOptions } from '../options.js';
import { selectionFrom, type SelectionArgs } from '../selection-args.js';
import { fleetOf, sendToFleet } from '../fleet-send.js';
import { withSession } from '../session.js';

interface EnqueueArgs extends GlobalOptions, SelectionArgs {
  owner?: string;
  /** offboard this person through the fleet: every key they can read, ahead of routine jobs */
  offboard?: string;
  /** leak response through the fleet: the selected keys in leak mode (old key deleted first), first in line */
  revoke?: boolean;
  reason?: string;
}

export async function run(argv: EnqueueArgs): Promise<ExitCodeValue> {
  const selection = { ...selectionFrom(argv), owner: argv.owner };
  if (argv.offboard !== undefined && (argv.revoke || !isEmptySelection(selection)))
    throw errors.usage('--offboard PERSON takes no key selection and no --revoke: it enqueues every key the person can read');
  if (argv.revoke && !argv.reason?.trim()) throw errors.usage('--revoke needs --reason TEXT (it goes into history)');
  if (argv.revoke && selection.due) throw errors.usage('--revoke takes named keys, --all, --owner or --tag, not --due');
  if (argv.offboard === undefined && isEmptySelection(selection))
    throw errors.usage('name the keys to enqueue, or pass --due, --all, --owner, --tag or --offboard PERSON');
  return withSession(argv, async (session) => {
    fleetOf(session);
    const { chooseKeys } = await import('../../fleet/select.js');
    const chosen =
      argv.offboard !== undefined
        ? {
            requests: keysHeldBy(session.config, argv.offboard).map((h) => ({
              key: h.key,
              trigger: 'offboard' as const,
              reason: argv.offboard,
            })),
            blocked: [] as string[],
          }
        : await chooseKeys(session.config, session.res, selection);
    const requests = argv.revoke
      ? chosen.requests.map((r) => ({ ...r, trigger: 'revoke' as const, reason: argv.reason! }))
      : chosen.requests;
    return sendToFleet(session, requests, chosen.blocked);
  });
}
