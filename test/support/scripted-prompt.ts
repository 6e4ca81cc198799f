/** A prompt that answers from a list, for tests of code that needs an operator. */
import { noAnswerPossible } from '../../src/cli/prompt.js';
import type { Prompt } from '../../src/context.js';
import { errors } from '../../src/errors.js';
import type { Redactor } from '../../src/log/redactor.js';

export interface ScriptedPrompt extends Prompt {
  /** every message shown, redacted as an operator would see it */
  readonly said: string[];
  /** every question asked, in order */
  readonly asked: string[];
  /** answers not used yet */
  remaining(): number;
}

/** confirm takes y/yes/n/no; a question with no answer left fails the test loudly. */
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
