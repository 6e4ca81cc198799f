/**
 * Reading an adapter's raw options (what the operator wrote under `stores.NAME` or
 * `issuers.NAME`) into typed values. Every problem goes to `report` at the option's name, so
 * config load lists it with its file:line:column beside every other problem; each reader
 * returns undefined for a value it reported.
 */
import { outOfRange, parseTimeout, type DurationKind } from '../config/duration.js';
import type { Report } from './report.js';

export class OptionReader {
  /** false once any problem was reported */
  ok = true;

  constructor(
    readonly raw: Record<string, unknown>,
    private readonly report: Report,
  ) {}

  problem(path: ReadonlyArray<string | number>, message: string, hint?: string): undefined {
    this.ok = false;
    this.report(path, message, hint);
    return undefined;
  }

  private present(name: string): unknown {
    const value = this.raw[name];
    return value === null ? undefined : value;
  }

  /** A non-empty string. */
  text(name: string): string | undefined {
    const value = this.present(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return this.problem([name], 'must be a non-empty string');
    return value;
  }

  requiredText(name: string, hint?: string): string | undefined {
    if (this.present(name) === undefined) return this.problem([name], 'is required', hint);
    return this.text(name);
  }

  flag(name: string): boolean | undefined {
    const value = this.present(name);
    if (value === undefined || typeof value === 'boolean') return value;
    return this.problem([name], 'must be true or false');
  }

  /** A whole number from min to max. */
  count(name: string, min: number, max: number): number | undefined {
    const value = this.present(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return this.problem([name], `must be a whole number from ${min} to ${max}`);
    return value;
  }

  /** An argv list as written, or a string run through `sh -c` (so pipes and quotes work). */
  command(name: string): string[] | undefined {
    const raw = this.present(name);
    if (raw === undefined) return undefined;
    if (typeof raw === 'string') {
      if (raw.trim() === '') return this.problem([name], 'is an empty command');
      return ['sh', '-c', raw];
    }
    if (Array.isArray(raw) && raw.length > 0 && raw.every((part) => typeof part === 'string' || typeof part === 'number')) {
      return raw.map(String);
    }
    return this.problem([name], 'is neither a command string nor a non-empty argv list');
  }

  requiredCommand(name: string): string[] | undefined {
    if (this.present(name) === undefined) return this.problem([name], 'is required');
    return this.command(name);
  }

  /** A number of milliseconds, or "500ms" / "30s" / "5m" / "1m30s", within the range of its kind. */
  duration(name: string, fallbackMs: number, kind: DurationKind = 'issuerTimeout'): number | undefined {
    const raw = this.present(name);
    if (raw === undefined) return fallbackMs;
    const ms = parseTimeout(raw);
    if (ms === undefined) return this.problem([name], 'is not a duration (a number of ms, or like 30s, 5m, 1m30s)');
    const range = outOfRange(ms, kind);
    if (range) return this.problem([name], `is out of range: it ${range}`);
    return ms;
  }

  /** An absolute http(s) URL. */
  url(name: string, fallback: string): string | undefined {
    const value = this.present(name) === undefined ? fallback : this.text(name);
    if (value === undefined) return undefined;
    try {
      const { protocol } = new URL(value);
      if (protocol === 'http:' || protocol === 'https:') return value;
    } catch {
      // reported below
    }
    return this.problem([name], 'is not a URL', 'e.g. https://api.example.com');
  }

  /** A nested object, or undefined (reported) when present and not one. */
  section(name: string): Record<string, unknown> | undefined {
    const value = this.present(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return this.problem([name], 'must be a mapping');
    return value as Record<string, unknown>;
  }
}
