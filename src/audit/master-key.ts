/**
 * The file store's master key is a key-encrypting key with a cryptoperiod of its own (PCI DSS
 * v4.0.1 3.7.4): `audit` warns when it is older than the store's declared `masterKeyPeriod`,
 * or when its age is unknown (a store from before keyturn recorded it).
 */
import { formatDuration } from '../config/duration.js';
import type { Config } from '../config/types.js';
import type { Finding } from '../policy/types.js';
import type { Resources } from '../resources.js';
import { masterKeyAges } from '../stores/file/master-key-age.js';

const MINUTE = 60_000;

export async function masterKeyFindings(config: Config, res: Resources): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const age of await masterKeyAges(config.stores, res.store, res.ctx.clock.now())) {
    if (age.periodMs === undefined || !age.exists) continue;
    const rekey = `keyturn store rekey ${age.store}`;
    if (age.createdAt === undefined) {
      out.push({
        rule: 'never-rotated',
        severity: 'warn',
        message: `store ${age.store}: its master key's age is unknown (the store predates keyturn recording it); ${rekey} starts it`,
      });
      continue;
    }
    if (!age.overdueMs) continue;
    const late = age.overdueMs - (age.overdueMs % MINUTE) || age.overdueMs;
    out.push({
      rule: 'overdue',
      severity: 'warn',
      message:
        `store ${age.store}: master key overdue by ${formatDuration(late)}: in use since ${age.createdAt}, ` +
        `masterKeyPeriod ${formatDuration(age.periodMs)}; run ${rekey}`,
    });
  }
  return out;
}
