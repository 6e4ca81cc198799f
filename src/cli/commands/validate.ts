/** keyturn validate: parse and check rotation.yaml; every problem with file:line:column; exit 2 on errors. */
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { findingLine } from '../render.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

export async function run(argv: GlobalOptions): Promise<ExitCodeValue> {
  return withSession(argv, async ({ config, findings: all, out, options }) => {
    const errorCount = all.filter((f) => f.severity === 'error').length;
    if (options.json) {
      out.json({ file: config.file, keys: config.keys.length, findings: all, valid: errorCount === 0 });
    } else {
      for (const finding of all) out.line(findingLine(finding));
      out.line(`${config.file}: ${config.keys.length} key(s), ${errorCount} error(s), ${all.length - errorCount} warning(s)/note(s)`);
    }
    return errorCount ? ExitCode.usage : ExitCode.ok;
  });
}
