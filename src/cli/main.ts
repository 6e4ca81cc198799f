#!/usr/bin/env node
/**
 * keyturn's entry: the verbs and their options, and the only place errors become exit codes.
 * Command modules are imported only when their verb runs, so `keyturn --help` starts fast.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, isKeyturnError, type ExitCodeValue } from '../errors.js';
import { terminalText } from '../log/terminal-text.js';
import { onFileStoreNotice } from '../stores/file/notices.js';
import { MAX_CONCURRENCY, positiveIntegerOption } from './options.js';

// Each command module types its own argv; yargs has validated the options by the time it runs.
type Handler = (argv: never) => Promise<ExitCodeValue>;

/** Load a command module lazily and run it. */
const lazy =
  (load: () => Promise<{ run: Handler }>) =>
  async (argv: Record<string, unknown>): Promise<void> => {
    const { run } = await load();
    process.exitCode = await run(argv as never);
  };

// Every numeric option goes through positiveIntegerOption: yargs' `type: 'number'` accepts NaN, 0, -1 and 0.5.
const forceOption = {
  type: 'boolean',
  describe: 'rotate a key even if another run rotated it after this one read the store',
} as const;
const concurrencyOption = positiveIntegerOption(
  'concurrency',
  MAX_CONCURRENCY,
  `keys rotated at once, 1 to ${MAX_CONCURRENCY} (default from rotation.yaml, else 4)`,
);

const selectionOptions = (y: Argv) =>
  y
    .positional('keys', { type: 'string', array: true, describe: 'key ids from rotation.yaml' })
    .option('due', { type: 'boolean', describe: 'keys whose last rotation + period has passed' })
    .option('all', { type: 'boolean', describe: 'every key' })
    .option('tag', { type: 'string', describe: 'only keys with this tag' });

/** `keyturn 0.1.0 (Node v20.19.0)`: package.json sits two folders above dist/src/cli, in the repository and installed alike. */
function versionText(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return `keyturn ${pkg.version ?? 'unknown'} (Node ${process.version})`;
  } catch {
    return `keyturn (version unknown: package.json unreadable) (Node ${process.version})`;
  }
}

export async function main(args: string[]): Promise<void> {
  await yargs(args)
    .scriptName('keyturn')
    .usage('$0 <command> [options]\n\nRotate API keys and other credentials declared in rotation.yaml.')
    .option('config', {
      alias: 'c',
      type: 'string',
      requiresArg: true,
      default: 'rotation.yaml',
      describe: 'the rotation file',
      global: true,
    })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output on stdout', global: true })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'rotate, offboard, revoke, apply: print only the summary, no progress',
      global: true,
    })
    .option('log-level', {
      choices: ['error', 'warn', 'info', 'debug'] as const,
      default: 'info',
      describe: 'log verbosity (stderr)',
      global: true,
    })
    .option('log-format', {
      choices: ['pretty', 'json'] as const,
      default: 'pretty',
      describe: 'log lines readable or as JSON',
      global: true,
    })
    .option('log-file', { type: 'string', requiresArg: true, describe: 'also write JSON log lines to this file', global: true })
    .command(
      'validate',
      'parse and check rotation.yaml; exit 2 on errors',
      (y) => y,
      lazy(() => import('./commands/validate.js')),
    )
    .command(
      'plan [keys..]',
      'preview every step a rotation would run; writes nothing',
      (y) =>
        selectionOptions(y)
          .option('owner', { type: 'string', describe: 'keys this person can read' })
          .option('out', { type: 'string', describe: 'save the plan as JSON for `keyturn apply`' }),
      lazy(() => import('./commands/plan.js')),
    )
    .command(
      'apply <planFile>',
      'run a saved plan, recomputed; refuses a stale or edited one',
      (y) =>
        y
          .positional('planFile', { type: 'string', demandOption: true })
          .option('yes', { alias: 'y', type: 'boolean', describe: 'do not ask for confirmation' })
          .option('force', forceOption)
          .option('concurrency', concurrencyOption),
      lazy(() => import('./commands/apply.js')),
    )
    .command(
      'rotate [keys..]',
      'rotate keys: create, stage, promote, restart, verify, retire, record',
      (y) =>
        selectionOptions(y)
          .option('dry-run', { type: 'boolean', describe: 'show the plan and change nothing' })
          .option('concurrency', concurrencyOption)
          .option('force', forceOption)
          .option('yes', { alias: 'y', type: 'boolean', describe: 'do not ask for confirmation (required without a terminal)' }),
      lazy(() => import('./commands/rotate.js')),
    )
    .command(
      'offboard <person>',
      'rotate now every key PERSON can read, directly or through a team',
      (y) =>
        y
          .positional('person', { type: 'string', demandOption: true })
          .option('dry-run', { type: 'boolean' })
          .option('concurrency', concurrencyOption)
          .option('yes', { alias: 'y', type: 'boolean' })
          .option('queue', { type: 'boolean', describe: "send offboarding jobs to the fleet's workers instead of running here" }),
      lazy(() => import('./commands/offboard.js')),
    )
    .command(
      'revoke [keys..]',
      'leak response: delete every selected key at its issuer first (in parallel), then replace each',
      (y) =>
        y
          .positional('keys', { type: 'string', array: true, describe: 'key ids from rotation.yaml' })
          .option('all', { type: 'boolean', describe: 'every key' })
          .option('issuer', { type: 'string', requiresArg: true, describe: 'only keys of this issuer' })
          .option('tag', { type: 'string', requiresArg: true, describe: 'only keys with this tag' })
          .option('holder', { type: 'string', requiresArg: true, describe: 'only keys this person can read, directly or through a team' })
          .option('reason', { type: 'string', demandOption: true, describe: 'why (recorded in history)' })
          .option('dry-run', { type: 'boolean' })
          .option('concurrency', concurrencyOption)
          .option('yes', { alias: 'y', type: 'boolean', describe: 'do not ask for confirmation (required without a terminal)' })
          .option('queue', {
            type: 'boolean',
            describe: "send revoke jobs to the fleet's workers (first in line), not run here",
          }),
      lazy(() => import('./commands/revoke.js')),
    )
    .command(
      'scan [paths..]',
      'look for managed secrets (and their encodings) in files and, with --git, in history; exit 1 on findings',
      (y) =>
        y
          .positional('paths', { type: 'string', array: true, describe: 'files or folders (default: .)' })
          .option('git', { type: 'boolean', describe: "also every commit of the paths' git repositories" })
          .option('revoke', { type: 'boolean', describe: 'revoke (leak mode) every key found' })
          .option('yes', { alias: 'y', type: 'boolean', describe: 'with --revoke: do not ask (required without a terminal)' })
          .option('max-size', positiveIntegerOption('max-size', 4096, 'skip files larger than this many MB (default 50)'))
          .option('concurrency', concurrencyOption),
      lazy(() => import('./commands/scan.js')),
    )
    .command(
      'audit',
      'check every key against the security rules, live at the issuer too; exit 1 on errors',
      (y) =>
        y
          .option('strict', { type: 'boolean', describe: 'an overdue key is an error' })
          .option('delete-unknown', {
            type: 'boolean',
            describe: 'delete (after asking) the keys issuers hold that rotation.yaml does not know',
          })
          .option('yes', { alias: 'y', type: 'boolean', describe: 'with --delete-unknown: do not ask (required without a terminal)' }),
      lazy(() => import('./commands/audit.js')),
    )
    .command(
      'adopt [keys..]',
      'start managing keys already in production: record the credential each store holds, dated by its issuer or --rotated-at',
      (y) =>
        y
          .positional('keys', { type: 'string', array: true, describe: 'key ids from rotation.yaml' })
          .option('all', { type: 'boolean', describe: 'every key' })
          .option('rotated-at', {
            type: 'string',
            requiresArg: true,
            describe: "when the credential was created (2026-01-15, UTC, or …T09:30:00Z); overrides the issuer's date",
          })
          .option('dry-run', { type: 'boolean', describe: 'show what would be recorded and record nothing' })
          .option('force', { type: 'boolean', describe: 'adopt a key keyturn already rotated or adopted, again' }),
      lazy(() => import('./commands/adopt.js')),
    )
    .command(
      'status',
      'per key: last rotated, next due, overdue, state',
      (y) => y,
      lazy(() => import('./commands/status.js')),
    )
    .command(
      'history [key]',
      'recorded rotations (never secrets)',
      (y) => y.positional('key', { type: 'string' }),
      lazy(() => import('./commands/history.js')),
    )
    .command(
      'enqueue [keys..]',
      "hand rotations to the fleet: one job per key on its zone's queue (fleet in rotation.yaml)",
      (y) =>
        selectionOptions(y)
          .option('owner', { type: 'string', requiresArg: true, describe: 'keys this person can read' })
          .option('offboard', {
            type: 'string',
            requiresArg: true,
            describe: 'every key PERSON can read, as offboarding jobs (ahead of routine ones)',
          })
          .option('revoke', {
            type: 'boolean',
            describe: 'leak mode (old key deleted first) for the selected keys, first in line; needs --reason',
          })
          .option('reason', { type: 'string', requiresArg: true, describe: 'with --revoke: why (recorded in history)' }),
      lazy(() => import('./commands/enqueue.js')),
    )
    .command(
      'worker',
      "take rotation jobs from the fleet's queue until SIGTERM; run due keys on the fleet's schedule",
      (y) =>
        y
          .option('zone', {
            type: 'string',
            requiresArg: true,
            describe: 'take the jobs of keys with this zone (default: keys without one)',
          })
          .option('concurrency', concurrencyOption)
          .option('grace', {
            type: 'string',
            requiresArg: true,
            describe: 'on SIGTERM, how long running rotations may take to finish (default 5m)',
          })
          .option('poll', {
            type: 'string',
            requiresArg: true,
            describe: 'how often an idle worker asks the queue for a job (default 2s, at least 500ms)',
          })
          .option('metrics-port', positiveIntegerOption('metrics-port', 65535, 'serve /metrics, /healthz and /readyz on 127.0.0.1:PORT')),
      lazy(() => import('./commands/worker.js')),
    )
    .command(
      'init',
      'write a commented rotation.yaml (at --config) for one issuer and one store; asks on a terminal',
      (y) =>
        y
          .option('issuer', {
            type: 'string',
            requiresArg: true,
            describe: 'random, ed25519, command, manual, binance, aws-iam or postgres',
          })
          .option('store', { type: 'string', requiresArg: true, describe: 'file, vault or aws-secrets-manager' })
          .option('force', { type: 'boolean', describe: 'replace an existing file' }),
      lazy(() => import('./commands/init.js')),
    )
    .completion('completion', 'print a shell completion script (bash or zsh): keyturn completion >> ~/.bashrc')
    .command(
      'report',
      'evidence for auditors: every key, rotation, offboarding and revoke over a date range (HTML, CSV or JSON)',
      (y) =>
        y
          .option('format', { choices: ['html', 'csv', 'json'] as const, describe: 'default: from --out, else html (json with --json)' })
          .option('out', { type: 'string', requiresArg: true, describe: 'write the report to this file (created 0600), not stdout' })
          .option('since', { type: 'string', requiresArg: true, describe: 'from this date (2026-01-01, UTC) or time (…T09:00:00Z)' })
          .option('until', { type: 'string', requiresArg: true, describe: 'to this date (the whole day) or time; default now' }),
      lazy(() => import('./commands/report.js')),
    )
    .command(
      'store <action> <store> [path]',
      'put an admin credential into a store (JSON on stdin, or hidden prompts), list its paths and field names, or rekey a file store',
      (y) =>
        y
          .positional('action', {
            choices: ['put', 'list', 'rekey'] as const,
            describe: 'put: write PATH; list: show paths and field names; rekey: re-encrypt a file store under a new master key',
          })
          .positional('store', { type: 'string', describe: 'a store declared in rotation.yaml' })
          .positional('path', { type: 'string', describe: 'the path to put (put only)' })
          .option('field', { type: 'string', array: true, describe: 'a field to ask for at the prompt (repeat)' }),
      lazy(() => import('./commands/store.js')),
    )
    .command(
      'policy <provider>',
      'print the least-privilege IAM policy keyturn needs for the keys in rotation.yaml (provider: aws)',
      (y) =>
        y
          .positional('provider', { choices: ['aws'] as const, describe: 'whose policy: aws' })
          .option('account', { type: 'string', requiresArg: true, describe: 'the 12-digit account id in the ARNs (default *)' })
          .option('region', { type: 'string', requiresArg: true, describe: 'the region when a store names none (default *)' }),
      lazy(() => import('./commands/policy.js')),
    )
    .version('version', "show keyturn's version and Node's", versionText())
    .demandCommand(1, 'name a command: keyturn --help lists them')
    .strict()
    .epilogue(
      'Exit codes: 0 ok; 1 failed (rolled back, or nothing changed); 2 bad config or usage; 3 needs attention.\nDocs: README.md, docs/',
    )
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      // yargs' own errors (YError: a bad option value, from a coerce) are usage errors; anything else is the command's.
      if (error && error.name !== 'YError') throw error;
      process.stderr.write(`error: ${terminalText(message)}\nRun keyturn --help for usage.\n`);
      process.exit(ExitCode.usage);
    })
    .parseAsync();
}

// A reader that goes away (`keyturn status | head -3`) closes the pipe: later writes fail with EPIPE. The output is
// dropped and the command runs to its end (a rotation is never cut short by its reader), with no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

// The file store's notices (which key opened a store an interrupted rekey left) go to stderr with the logs.
onFileStoreNotice((message) => process.stderr.write(terminalText(`warning: ${message}\n`)));

main(hideBin(process.argv)).catch((error: unknown) => {
  // Expected errors print briefly; unexpected ones in full. Messages are redacted where they are made; they may quote
  // rotation.yaml, a store or an issuer, so control characters are shown escaped.
  const say = (text: string) => process.stderr.write(terminalText(text));
  if (isKeyturnError(error)) {
    say(`error: ${error.message}\n`);
    if (error.details.where) say(`  at ${error.details.where}\n`);
    if (error.details.hint) say(`  hint: ${error.details.hint}\n`);
    process.exitCode = error.exitCode;
  } else {
    say(`keyturn: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.failed;
  }
});
