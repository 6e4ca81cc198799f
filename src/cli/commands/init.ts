/**
 * keyturn init [--issuer TYPE] [--store TYPE] [--force]: write a commented rotation.yaml (at
 * --config, default ./rotation.yaml) for one issuer and one store, that `keyturn validate`
 * passes as written. Without --issuer or --store it asks on a terminal; without a terminal it
 * names the choices and exits 2. An existing file is kept unless --force.
 */
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import type { Prompt } from '../../context.js';
import { Redactor } from '../../log/redactor.js';
import { terminalText } from '../../log/terminal-text.js';
import { describeChoice, ISSUER_TYPES, isIssuerType, isStoreType, rotationYaml, STORE_TYPES } from '../init/templates.js';
import type { GlobalOptions } from '../options.js';
import { createTerminalPrompt } from '../prompt.js';

export interface InitOptions extends GlobalOptions {
  issuer?: string;
  store?: string;
  force?: boolean;
}

/** config/rotation.schema.json of this installation: beside dist/ in the repository and in the installed package alike. */
const SCHEMA = fileURLToPath(new URL('../../../../config/rotation.schema.json', import.meta.url));

export async function run(argv: InitOptions): Promise<ExitCodeValue> {
  const prompt = createTerminalPrompt(new Redactor());
  const issuer = await choose(prompt, 'issuer', argv.issuer, ISSUER_TYPES);
  const store = await choose(prompt, 'store', argv.store, STORE_TYPES);
  if (!isIssuerType(issuer) || !isStoreType(store)) throw new Error('unreachable: choose returns a listed type');
  const file = path.resolve(argv.config);
  const schema = path.relative(path.dirname(file), SCHEMA).split(path.sep).join('/');
  await write(file, rotationYaml(issuer, store, schema), Boolean(argv.force));
  const shown = path.relative(process.cwd(), file) || file;
  if (argv.json) {
    process.stdout.write(`${JSON.stringify({ file, issuer, store })}\n`);
  } else {
    process.stdout.write(
      terminalText(
        `Wrote ${shown} (issuer ${issuer}, store ${store}).\n` +
          `Next: edit the example key, then keyturn validate${argv.config === 'rotation.yaml' ? '' : ` --config ${argv.config}`}` +
          ' and keyturn plan --all.\n',
      ),
    );
  }
  return ExitCode.ok;
}

async function choose(prompt: Prompt, kind: 'issuer' | 'store', given: string | undefined, choices: readonly string[]): Promise<string> {
  const list = choices.join(', ');
  if (given !== undefined) {
    if (choices.includes(given)) return given;
    throw errors.usage(`--${kind} must be one of ${list}, not ${JSON.stringify(given)}`);
  }
  if (!prompt.interactive) throw errors.usage(`keyturn init needs --${kind} without a terminal: one of ${list}`);
  prompt.say(`Which ${kind}?\n${choices.map((c, i) => `  ${i + 1}. ${c.padEnd(20)} ${describeChoice(kind, c)}`).join('\n')}\n`);
  for (;;) {
    const answer = (await prompt.text(`${kind} (1-${choices.length} or a name): `)).trim();
    const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
    const chosen = byNumber ?? choices.find((c) => c === answer);
    if (chosen) return chosen;
    prompt.say(`${JSON.stringify(answer)} is not one of ${list}\n`);
  }
}

/** Created exclusively (or, with --force, written beside and renamed over): a half-written file never passes for the real one. */
async function write(file: string, text: string, force: boolean): Promise<void> {
  const target = force ? `${file}.${process.pid}.tmp` : file;
  try {
    const handle = await open(target, 'wx', 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    if (force) await rename(target, file);
  } catch (error) {
    if (force) await rm(target, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw errors.usage(`${file} already exists; keyturn init leaves it alone`, 'pass --force to replace it');
    throw errors.usage(`cannot write ${file}: ${code ?? (error as Error).message}`);
  }
}
