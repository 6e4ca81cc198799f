/**
 * The `manual` issuer's key spec, apart from manual.ts so that config load can judge it
 * without loading the exchange client: apiKeyPattern and secretPattern, regular expressions
 * the whole entered value must match.
 */
import { specOrThrow, unknownFields, type IssuerKind } from './spec.js';
import type { KeyConfig } from '../config/types.js';

export interface ManualSpec {
  apiKey?: RegExp;
  secret?: RegExp;
}

const PATTERNS = { apiKeyPattern: 'apiKey', secretPattern: 'secret' } as const;

export const manualKind: IssuerKind<ManualSpec> = {
  parseSpec(spec, _options, report) {
    let ok = !unknownFields(spec, Object.keys(PATTERNS), 'manual', report);
    const out: ManualSpec = {};
    for (const [name, field] of Object.entries(PATTERNS)) {
      const raw = spec[name];
      if (raw === undefined) continue;
      if (typeof raw !== 'string') {
        report([name], 'must be a string (a regular expression)');
        ok = false;
        continue;
      }
      try {
        out[field] = new RegExp(`^(?:${raw})$`);
      } catch {
        report([name], 'is not a valid regular expression');
        ok = false;
      }
    }
    return ok ? out : undefined;
  },
  fields: () => ['apiKey', 'secret'],
};

export function parseManualSpec(key: KeyConfig): ManualSpec {
  return specOrThrow(manualKind, key, {});
}
