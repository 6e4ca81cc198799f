/**
 * keyturn policy aws [--account ID] [--region R] [--json]: the least-privilege IAM policy keyturn
 * itself needs for the keys in rotation.yaml (src/aws/policy.ts: exactly the actions it calls, on
 * exactly those secrets, users and roles). Prints the policy document; --json wraps it with the
 * counts. Reads rotation.yaml only: no AWS call.
 */
import { keyturnAwsPolicy } from '../../aws/policy.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

export async function run(argv: GlobalOptions & { provider?: string; account?: string; region?: string }): Promise<ExitCodeValue> {
  if (argv.provider !== 'aws') throw errors.usage(`no policy generator for '${argv.provider ?? ''}'`, 'keyturn policy aws');
  if (argv.account !== undefined && !/^\d{12}$/.test(argv.account)) throw errors.usage('--account must be a 12-digit AWS account id');
  return withSession(argv, async ({ config, out, options }) => {
    const policy = keyturnAwsPolicy(config, { account: argv.account, region: argv.region });
    if (options.json) {
      out.json({ file: config.file, statements: policy.Statement.length, policy });
    } else if (policy.Statement.length === 0) {
      out.line(`${config.file}: no key uses an aws-secrets-manager store or an aws-iam issuer; keyturn needs no AWS permission`);
    } else {
      out.line(JSON.stringify(policy, null, 2));
    }
    return ExitCode.ok;
  });
}
