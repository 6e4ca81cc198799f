/** keyturn status: per key, its purpose, issuer, store, period, last rotation, next due and state. */
import { formatDuration } from '../../config/duration.js';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { holderIsDead } from '../../engine/lease.js';
import type { LeaseHolder } from '../../stores/types.js';
import { readStates } from '../../plan/build.js';
import { lastUses } from '../../plan/last-used.js';
import { adoptedAt, ageInDays, dueState, effectivePeriodMs } from '../../plan/due.js';
import { closedBecause, isOpen, nextOpening, waitLine } from '../../plan/window.js';
import { terminalValue as one } from '../../log/terminal-text.js';
import type { GlobalOptions } from '../options.js';
import { shortTime } from '../output.js';
import { withSession } from '../session.js';
import { refOf } from '../../model.js';
import { masterKeyAges, type MasterKeyAge } from '../../stores/file/master-key-age.js';

/** A lease with no journal: a rotation is starting, or its process died before writing one. */
function lockState(lease: LeaseHolder, now: Date): string {
  if (holderIsDead(lease.owner)) return 'locked (holder gone)';
  return Date.parse(lease.expiresAt) > now.getTime() ? 'locked' : 'idle';
}

/** keyturn adopt's date is the credential's creation, not a rotation: said so, with its age */
const adoptedText = (a: { createdAt: string; ageDays: number }) => `adopted ${shortTime(a.createdAt)}, age ${a.ageDays} days`;

export async function run(argv: GlobalOptions): Promise<ExitCodeValue> {
  return withSession(
    argv,
    async ({ config, res, ctx, out, options }) => {
      const now = ctx.clock.now();
      const states = await readStates(config, res, config.keys, { leases: true });
      const uses = await lastUses(
        await Promise.all(
          config.keys.map(async (key) => ({
            key,
            issuer: await res.issuer(key.issuer),
            currentKeyId: states.get(key.id)?.record.currentKeyId,
          })),
        ),
        res,
      );
      const rows = await Promise.all(
        config.keys.map(async (key) => {
          const { record, journal, lease } = states.get(key.id) ?? { record: {} };
          const due = dueState(key, record, now);
          const period = effectivePeriodMs(key);
          const locked = lease && !journal ? lockState(lease, now) : undefined;
          const state = record.attention
            ? 'needs attention'
            : journal
              ? 'in flight'
              : (locked ?? (record.pendingRetire ? 'retire pending' : 'idle'));
          const closed = due.due && key.schedule && !isOpen(key.schedule, now) ? key.schedule : undefined;
          const nextWindow = closed ? nextOpening(closed, now) : undefined;
          const adopted = adoptedAt(record);
          return {
            key: key.id,
            purpose: key.purpose,
            issuer: key.issuer,
            store: (await res.store(key.store)).describe(refOf(key)),
            period: period === undefined ? undefined : formatDuration(period),
            lastRotatedAt: record.lastRotatedAt,
            // keyturn adopt: lastRotatedAt is the credential's creation date, not a rotation
            adopted: adopted && { createdAt: adopted, ageDays: ageInDays(adopted, now), source: record.adopted!.source },
            nextDue: due.nextDue?.toISOString(),
            overdue: due.due && !due.neverRotated,
            overdueBy: due.overdueMs ? formatDuration(due.overdueMs) : undefined,
            neverRotated: due.neverRotated,
            state,
            attention: record.attention?.reason,
            lease: lease && { ...lease, holderGone: holderIsDead(lease.owner) },
            currentKeyId: record.currentKeyId,
            currentKeyLastUsed: uses.get(key.id),
            window: closed && { closed: closedBecause(closed, now), nextOpens: nextWindow?.toISOString() },
            windowLine: closed && waitLine({ key: key.id, opens: nextWindow, why: closedBecause(closed, now) }, closed),
          };
        }),
      );
      const masterKeys = await masterKeyAges(config.stores, res.store, now);
      // the queue's figures, when there is a fleet (pg-boss loads only then)
      const fleet = config.fleet ? await (await import('../../fleet/status.js')).fleetStatus(config, ctx) : undefined;
      if (options.json) {
        out.json({ keys: rows.map(({ windowLine: _line, ...r }) => r), masterKeys, ...(fleet ? { fleet } : {}) });
      } else {
        out.table(
          ['KEY', 'PURPOSE', 'ISSUER', 'STORE', 'PERIOD', 'LAST ROTATED', 'NEXT DUE', 'OVERDUE', 'STATE'],
          rows.map((r) => [
            r.key,
            r.purpose,
            r.issuer,
            r.store,
            r.period,
            r.adopted ? adoptedText(r.adopted) : (shortTime(r.lastRotatedAt) ?? 'never'),
            shortTime(r.nextDue) ?? (r.neverRotated ? 'now' : undefined),
            r.neverRotated ? 'due' : r.overdue ? `yes (${r.overdueBy})` : 'no',
            r.state,
          ]),
        );
        // key ids, last-use notes and attention reasons come from the store and issuers: one line each, whatever they hold
        for (const r of rows.filter((x) => x.currentKeyLastUsed)) {
          out.line(`  ${r.key}: current key ${one(r.currentKeyId ?? '')} last used ${one(r.currentKeyLastUsed ?? '')}`);
        }
        for (const r of rows.filter((x) => x.attention)) out.line(`! ${r.key}: ${one(r.attention ?? '')}`);
        for (const r of rows.filter((x) => x.windowLine)) out.line(`  ${r.windowLine}`);
        for (const r of rows.filter((x) => x.lease)) {
          const { owner, expiresAt, holderGone } = r.lease!;
          const live = Date.parse(expiresAt) > now.getTime();
          const what = holderGone
            ? 'its process is gone; the next `rotate --due` clears it'
            : live
              ? `until ${shortTime(expiresAt)}`
              : `expired ${shortTime(expiresAt)}; the next run takes it over`;
          out.line(`  ${r.key}: lease held by ${one(owner)} (${what})`);
        }
        for (const m of masterKeys) out.line(masterKeyLine(m));
        if (fleet) for (const line of (await import('../../fleet/status.js')).fleetLines(fleet)) out.line(line);
      }
      return ExitCode.ok;
    },
    { dryRun: true },
  );
}

/** One line per file store: its master key's age against its masterKeyPeriod. */
function masterKeyLine(m: MasterKeyAge): string {
  const period = m.periodMs === undefined ? '' : `, masterKeyPeriod ${formatDuration(m.periodMs)}`;
  if (m.error !== undefined) return `  store ${m.store}: cannot read its master key's record: ${one(m.error)}`;
  if (!m.exists) return `  store ${m.store}: no store file yet (its master key is made by the first write)`;
  if (m.createdAt === undefined) return `  store ${m.store}: master key age unknown (no rekey recorded)${period}`;
  const age = formatDuration(m.ageMs! - (m.ageMs! % 60_000));
  const overdue = m.overdueMs ? `, OVERDUE by ${formatDuration(m.overdueMs - (m.overdueMs % 60_000))}: keyturn store rekey ${m.store}` : '';
  return `  store ${m.store}: master key in use since ${shortTime(m.createdAt)} (age ${age}${period})${overdue}`;
}
