/**
 * The operator's prompt: questions on stderr, answers from stdin, hidden input for secrets.
 * Everything shown passes through the redactor, and a secret is registered with it before
 * it is returned. Without a terminal on both sides nothing is asked: the call throws ENOTTY.
 */
import readline from 'node:readline';
import { read } from 'read';
import type { Prompt } from '../context.js';
import { errors, type KeyturnError } from '../errors.js';
import type { Redactor } from '../log/redactor.js';
import { terminalText } from '../log/terminal-text.js';

export interface PromptStreams {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** ENOTTY for a question only a human can answer (--yes does not help); the scripted test prompt throws it too. */
export function noAnswerPossible(question: string): KeyturnError {
  return errors.noTty(`"${question.trim()}"`, 'answer');
}

/**
 * The go-ahead for something that changes keys: --yes, or the operator's yes at a terminal after
 * `shown` (what will happen). No terminal and no --yes is ENOTTY naming `doing`; a no says so.
 */
export async function approved(
  prompt: Prompt,
  request: { yes: boolean | undefined; doing: string; question: string; shown?: string },
): Promise<boolean> {
  if (request.yes) return true;
  if (!prompt.interactive) throw errors.noTty(request.doing);
  if (request.shown !== undefined) prompt.say(request.shown);
  if (await prompt.confirm(request.question)) return true;
  prompt.say('Nothing changed.');
  return false;
}

export function createTerminalPrompt(redactor: Redactor, streams?: PromptStreams): Prompt {
  const input = streams?.input ?? process.stdin;
  const output = streams?.output ?? process.stderr;
  const interactive = Boolean(input.isTTY && output.isTTY);
  // questions and messages quote rotation.yaml and issuers: control characters are shown escaped
  const show = (text: string) => output.write(terminalText(redactor.redact(text)));

  const readLine = (question: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const rl = readline.createInterface({ input, output, terminal: true });
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        rl.close();
        fn();
      };
      rl.on('SIGINT', () => {
        output.write('\n');
        settle(() => reject(errors.interrupted()));
      });
      rl.on('close', () => settle(() => reject(errors.interrupted())));
      rl.question(terminalText(redactor.redact(question)), (answer) => settle(() => resolve(answer)));
    });

  return {
    interactive,

    say(message: string): void {
      show(`${message}\n`);
    },

    async confirm(question: string): Promise<boolean> {
      if (!interactive) throw errors.noTty(`"${question.trim()}"`);
      const answer = (await readLine(`${question.trimEnd()} [y/N] `)).trim().toLowerCase();
      return answer === 'y' || answer === 'yes';
    },

    async text(question: string): Promise<string> {
      if (!interactive) throw noAnswerPossible(question);
      return readLine(question);
    },

    async secret(question: string): Promise<string> {
      if (!interactive) throw noAnswerPossible(question);
      const value = await readHidden(terminalText(redactor.redact(question)), input, output);
      output.write('\n');
      redactor.add(value);
      return value;
    },
  };
}

/**
 * One line typed without echo: `read` runs readline behind a muted output, so editing keys,
 * arrow keys and pasted text behave as at any prompt and readline restores the terminal mode.
 * Ctrl-C rejects with EABORTED. Ctrl-D on an empty line and the end of input close readline
 * without a line, which `read` never settles: readline pauses its input when it closes, and a
 * pause that no answer follows is taken as the operator leaving.
 */
function readHidden(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      input.removeListener('pause', onPause);
      outcome();
    };
    // the pause of an answered line comes just before `read` resolves: look once its promise has had its turn
    const onPause = () => setImmediate(() => settle(() => reject(errors.interrupted())));
    input.on('pause', onPause);
    withEditingKeys(() => read({ prompt: question, silent: true, input, output })).then(
      (answer) => settle(() => resolve(answer)),
      // `read` rejects Ctrl-C (readline's SIGINT) as Error('canceled')
      (error: unknown) => settle(() => reject(error instanceof Error && error.message === 'canceled' ? errors.interrupted() : error)),
    );
  });
}

/**
 * Under TERM=dumb readline turns line editing off (backspace becomes a character) because such
 * a terminal cannot show the redrawn line. A hidden line is never drawn, so the editing keys are
 * kept there too. readline reads TERM as it builds the interface and draws the prompt, both
 * synchronous inside `read`, so the prompt comes with readline's cursor sequences there as well.
 */
function withEditingKeys<T>(start: () => T): T {
  const term = process.env.TERM;
  if (term !== 'dumb') return start();
  delete process.env.TERM;
  try {
    return start();
  } finally {
    process.env.TERM = term;
  }
}
