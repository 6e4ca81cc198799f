/** keyturn revoke KEY --reason TEXT: leak mode. The old key dies first; downtime is accepted, exposure is not. */
import { errors, type ExitCodeValue } from '../../errors.js';
import { buildPlan } from '../../plan/build.js';
import { executePlan } from '../execute.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

export async function run(argv: GlobalOptions & { key: string; reason: string; dryRun?: boolean; yes?: boolean }): Promise<ExitCodeValue> {
  if (!argv.reason.trim()) throw errors.usage('--reason must say why the key is revoked (it is recorded in history)');
  return withSession(
    argv,
    async (session) => {
      const key = session.config.keys.find((k) => k.id === argv.key);
      if (!key) throw errors.unknownKey(argv.key);
      const plan = await buildPlan(session.config, session.res, {
        selection: {},
        trigger: 'revoke',
        reason: argv.reason,
        chosen: [{ key, trigger: 'revoke', why: `leak: ${argv.reason}` }],
      });
      return executePlan(session, plan, {
        dryRun: argv.dryRun,
        yes: argv.yes,
        concurrency: 1,
        question: `Delete ${key.id}'s current key at the issuer NOW, then replace it? Consumers lose access until the new key is in place.`,
      });
    },
    { dryRun: argv.dryRun },
  );
}
