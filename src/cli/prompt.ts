/**
 * The operator's prompt: questions on stderr, answers from stdin, hidden input for secrets.
 * Everything shown passes through the redactor, and a secret is registered with it before
 * it is returned. Without a terminal on both sides nothing is asked: the call throws ENOTTY.
 */
import readline from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import type { Prompt } from '../context.js';
import { errors, ExitCode, KeyturnError } from '../errors.js';
import type { Redactor } from '../log/redactor.js';
import { terminalText } from '../log/terminal-text.js';

export interface PromptStreams {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

export function interrupted(): KeyturnError {
  return new KeyturnError('EABORTED', 'interrupted at the prompt', ExitCode.rolledBack, { hint: 'run it again to resume where it stopped' });
}

function noAnswerPossible(question: string): KeyturnError {
  return new KeyturnError('ENOTTY', `"${question.trim()}" needs an answer and there is no terminal`, ExitCode.usage, {
    hint: 'run keyturn from an interactive terminal',
  });
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
        settle(() => reject(interrupted()));
      });
      rl.on('close', () => settle(() => reject(interrupted())));
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
      show(question);
      const value = await readHidden(input);
      output.write('\n');
      redactor.add(value);
      return value;
    },
  };
}

/**
 * Read one line with the terminal in raw mode, so nothing typed is echoed. Handles
 * backspace, Ctrl-U (clear), Ctrl-C (reject), Ctrl-D / end of input, and skips escape
 * sequences (arrow keys, bracketed-paste markers) instead of taking them as characters.
 */
export function readHidden(input: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    const wasRaw = input.isRaw;
    let chars: string[] = [];
    let escape: 'none' | 'start' | 'csi' | 'ss3' = 'none';

    const finish = (outcome: () => void) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.setRawMode(wasRaw);
      input.pause();
      outcome();
    };
    const onEnd = () => finish(() => (chars.length > 0 ? resolve(chars.join('')) : reject(interrupted())));
    const onError = (error: Error) => finish(() => reject(error));
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const c of text) {
        if (escape === 'start') {
          escape = c === '[' ? 'csi' : c === 'O' ? 'ss3' : 'none';
          continue;
        }
        if (escape === 'csi') {
          if (c >= '@' && c <= '~') escape = 'none';
          continue;
        }
        if (escape === 'ss3') {
          escape = 'none';
          continue;
        }
        switch (c) {
          case '\r':
          case '\n':
            return finish(() => resolve(chars.join('')));
          case '\u0003': // Ctrl-C
            return finish(() => reject(interrupted()));
          case '\u0004': // Ctrl-D
            return onEnd();
          case '\u007f':
          case '\b':
            chars.pop();
            break;
          case '\u0015': // Ctrl-U
            chars = [];
            break;
          case '\u001b':
            escape = 'start';
            break;
          default:
            if (c >= ' ') chars.push(c);
        }
      }
    };

    input.setRawMode(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

export interface ScriptedPrompt extends Prompt {
  /** every message shown, redacted as an operator would see it */
  readonly said: string[];
  /** every question asked, in order */
  readonly asked: string[];
  /** answers not used yet */
  remaining(): number;
}

/**
 * A prompt that answers from a list, for tests of code that needs an operator. confirm
 * takes y/yes/n/no; a question with no answer left fails the test loudly.
 */
export function scriptedPrompt(answers: string[], redactor: Redactor, options: { interactive?: boolean } = {}): ScriptedPrompt {
  const queue = [...answers];
  const said: string[] = [];
  const asked: string[] = [];
  const interactive = options.interactive ?? true;
  const next = (question: string): string => {
    if (!interactive) throw noAnswerPossible(question);
    asked.push(question);
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`scripted prompt: no answer left for "${question}"`);
    return answer;
  };
  return {
    interactive,
    said,
    asked,
    remaining: () => queue.length,
    say(message: string) {
      said.push(redactor.redact(message));
    },
    async confirm(question: string) {
      if (!interactive) throw errors.noTty(`"${question.trim()}"`);
      const answer = next(question).trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') return true;
      if (answer === 'n' || answer === 'no' || answer === '') return false;
      throw new Error(`scripted prompt: "${answer}" is not an answer to the yes/no question "${question}"`);
    },
    async text(question: string) {
      return next(question);
    },
    async secret(question: string) {
      const value = next(question);
      redactor.add(value);
      return value;
    },
  };
}
