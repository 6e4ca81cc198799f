/** keyturn history [KEY]: recorded rotations — when, why, who, which key ids, outcome. Never secrets. */
import { formatDuration } from '../../config/duration.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import type { GlobalOptions } from '../options.js';
import { shortTime } from '../output.js';
import { withSession } from '../session.js';
import { refOf, type HistoryEntry } from '../../model.js';

export async function run(argv: GlobalOptions & { key?: string }): Promise<ExitCodeValue> {
  return withSession(
    argv,
    async ({ config, res, out, options }) => {
      let entries: HistoryEntry[];
      if (argv.key) {
        const key = config.keys.find((k) => k.id === argv.key);
        if (!key) throw errors.unknownKey(argv.key);
        entries = await (await res.store(key.store)).history(refOf(key));
      } else {
        const storeNames = [...new Set(config.keys.map((k) => k.store))];
        entries = (await Promise.all(storeNames.map(async (name) => (await res.store(name)).history()))).flat();
        entries.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
      }
      if (options.json) {
        out.json({ history: entries });
      } else if (!entries.length) {
        out.line('No rotations recorded yet.');
      } else {
        out.table(
          ['WHEN', 'KEY', 'TRIGGER', 'ACTOR', 'OLD KEY', 'NEW KEY', 'OUTCOME', 'TIME', 'DETAIL'],
          entries.map((e) => [
            shortTime(e.finishedAt),
            e.key,
            e.trigger,
            e.actor,
            e.oldKeyId,
            e.newKeyId,
            e.outcome,
            formatDuration(e.durationMs),
            [e.reason, e.error].filter(Boolean).join('; ') || undefined,
          ]),
        );
      }
      return ExitCode.ok;
    },
    { dryRun: true },
  );
}
