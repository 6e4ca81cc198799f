/**
 * The `command` issuer's options and spec, apart from command.ts so that config load can judge
 * them without loading the script runner. The spec goes to the create script as KEYTURN_SPEC,
 * whatever it holds; the material is whatever create prints, known in advance only when the
 * issuer declares `fields`.
 */
import { OptionReader } from '../adapters/option-reader.js';
import type { IssuerKind } from './spec.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

export interface CommandOptions {
  create: string[];
  revoke: string[];
  verify?: string[];
  list?: string[];
  isDead?: string[];
  timeoutMs: number;
  /** the material fields create prints, when declared */
  fields?: string[];
}

export const commandKind: IssuerKind<Record<string, unknown>, CommandOptions> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const options = {
      create: o.requiredCommand('create'),
      revoke: o.requiredCommand('revoke'),
      verify: o.command('verify'),
      list: o.command('list'),
      isDead: o.command('isDead'),
      timeoutMs: o.duration('timeout', DEFAULT_COMMAND_TIMEOUT_MS),
      fields: declaredFields(raw),
    };
    if (!o.ok || !options.create || !options.revoke || options.timeoutMs === undefined) return undefined;
    return { ...options, create: options.create, revoke: options.revoke, timeoutMs: options.timeoutMs };
  },
  parseSpec: (spec) => spec,
  fields: (_spec, options) => declaredFields(options),
};

function declaredFields(raw: Record<string, unknown>): string[] | undefined {
  return Array.isArray(raw.fields) ? raw.fields.filter((field): field is string => typeof field === 'string') : undefined;
}
