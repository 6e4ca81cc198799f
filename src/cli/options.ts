/** Options every command accepts, and the checks on option values yargs cannot express. */
export interface GlobalOptions {
  config: string;
  json: boolean;
  /** only the summary: no progress while the keys run */
  quiet?: boolean;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  logFormat: 'pretty' | 'json';
  logFile?: string;
}

/** Same bound as `defaults.concurrency` in rotation.yaml: more lanes than that only queue at the issuers. */
export const MAX_CONCURRENCY = 256;

/**
 * A yargs option taking a whole number from 1 to `max`. The value is parsed here from the
 * raw text (yargs' own number parsing lets through NaN, 0.5, -1, Infinity and 1e3), and a
 * bad one fails as a usage error naming the option, the bound and what was given.
 */
export function positiveIntegerOption(name: string, max: number, describe: string) {
  return {
    type: 'string' as const,
    requiresArg: true,
    describe,
    coerce: (value: unknown): number => parsePositiveInteger(name, value, max),
  };
}

export function parsePositiveInteger(name: string, value: unknown, max: number): number {
  if (Array.isArray(value)) throw new Error(`--${name} is given ${value.length} times: give it once`);
  const text = String(value).trim();
  const number = /^[0-9]{1,12}$/.test(text) ? Number(text) : Number.NaN;
  if (!(number >= 1 && number <= max)) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}, not ${JSON.stringify(String(value))}`);
  }
  return number;
}
