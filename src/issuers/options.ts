/**
 * Reading an issuer's raw options (IssuerConfig.options is what the operator wrote, not
 * normalized): commands, durations, strings. A bad option is a configuration error raised
 * when the issuer is loaded, so a rotation never starts with an issuer it cannot finish.
 */
import type { IssuerConfig } from '../config/types.js';
import { errors } from '../errors.js';
import { outOfRange, parseTimeout } from '../config/duration.js';

/** argv array as written, or a string run through `sh -c` (so pipes and quotes work). */
export function commandOption(config: IssuerConfig, name: string): string[] | undefined {
  const raw = config.options[name];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') {
    if (raw.trim() === '') throw badOption(config, name, 'an empty command');
    return ['sh', '-c', raw];
  }
  if (Array.isArray(raw) && raw.length > 0 && raw.every((part) => typeof part === 'string' || typeof part === 'number')) {
    return raw.map(String);
  }
  throw badOption(config, name, 'neither a command string nor a non-empty argv list');
}

export function requiredCommandOption(config: IssuerConfig, name: string): string[] {
  const argv = commandOption(config, name);
  if (!argv) throw errors.config(`issuer ${config.name} (${config.type}) needs the option \`${name}\``);
  return argv;
}

export function stringOption(config: IssuerConfig, name: string): string | undefined {
  const raw = config.options[name];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw badOption(config, name, 'not a string');
  return raw;
}

/** A number of milliseconds, or "500ms" / "30s" / "5m" / "1m30s" (rotation.yaml's duration form), within the issuer-timeout range. */
export function durationOption(config: IssuerConfig, name: string, fallbackMs: number): number {
  const raw = config.options[name];
  if (raw === undefined || raw === null) return fallbackMs;
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw badOption(config, name, 'not a duration (a number of ms, or like 30s, 5m, 1m30s)');
  const range = outOfRange(ms, 'issuerTimeout');
  if (range) throw badOption(config, name, `out of range: it ${range}`);
  return ms;
}

/** The one timeout parser (src/config/duration.ts), under the name the issuers have always used. */
export const parseDurationMs = parseTimeout;

function badOption(config: IssuerConfig, name: string, what: string) {
  return errors.config(`issuer ${config.name} (${config.type}): option \`${name}\` is ${what}`);
}
