/**
 * Reading an issuer's raw options (IssuerConfig.options is what the operator wrote, not
 * normalized): commands, durations, strings. A bad option is a configuration error raised
 * when the issuer is loaded, so a rotation never starts with an issuer it cannot finish.
 */
import type { IssuerConfig } from '../config/types.js';
import { errors } from '../errors.js';
import { parseDuration } from '../config/duration.js';

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

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A number of milliseconds, or "500ms" / "30s" / "5m" / "1m30s" (rotation.yaml's duration form). */
export function durationOption(config: IssuerConfig, name: string, fallbackMs: number): number {
  const raw = config.options[name];
  if (raw === undefined || raw === null) return fallbackMs;
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw badOption(config, name, 'not a duration (a number of ms, or like 30s, 5m, 1m30s)');
  return ms;
}

export function parseDurationMs(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw > 0 ? Math.round(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  // one amount, decimals allowed (what the schema's issuer-timeout accepts): 30, 1.5s, 500ms
  const single = /^(\d+(?:\.\d+)?)(ms|h|m|s)?$/.exec(text);
  if (single) {
    const ms = Math.round(Number(single[1]) * (UNITS[single[2] ?? 'ms'] ?? 1));
    return ms > 0 ? ms : undefined;
  }
  // or rotation.yaml's compound form, in units a timeout needs (no days or weeks): 1m30s
  if (!/^(?:\d+(?:ms|h|m|s))+$/.test(text)) return undefined;
  const total = parseDuration(text);
  return total !== undefined && total > 0 ? total : undefined;
}

function badOption(config: IssuerConfig, name: string, what: string) {
  return errors.config(`issuer ${config.name} (${config.type}): option \`${name}\` is ${what}`);
}
