/**
 * An adapter type's typed options. Config load parses every store's and issuer's options
 * with its type's `parseOptions` (problems join the positioned problem list) and keeps the
 * result as `settings` in the normalized config, so no adapter parses its options again.
 * settingsOf gives an adapter its settings; a config built by hand (a test, a script) has
 * none yet and is parsed here once, its first problem a configuration error.
 */
import { errors } from '../errors.js';
import type { Report } from './report.js';

export interface OptionsKind<Options> {
  /** The typed options; undefined when a problem was reported. */
  parseOptions(raw: Record<string, unknown>, report: Report): Options | undefined;
}

export interface AdapterConfig {
  name: string;
  type: string;
  /** as written in rotation.yaml */
  options: Record<string, unknown>;
  /** parsed by the type's parseOptions at config load */
  settings?: unknown;
}

export function settingsOf<Options>(kind: OptionsKind<Options>, config: AdapterConfig, role: 'store' | 'issuer'): Options {
  // set by config load from this same kind's parseOptions (src/config/adapter-options.ts)
  if (config.settings !== undefined) return config.settings as Options;
  const problems: Array<{ message: string; hint?: string }> = [];
  const settings = kind.parseOptions(config.options, (path, message, hint) => {
    problems.push({ message: `option \`${path.join('.')}\` ${message}`, hint });
  });
  const first = problems[0];
  if (settings === undefined || first) {
    throw errors.config(`${role} ${config.name} (${config.type}): ${first?.message ?? 'bad options'}`, undefined, first?.hint);
  }
  config.settings = settings;
  return settings;
}
