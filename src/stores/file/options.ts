/**
 * The `file` store's options: `path` (required) and `masterKeyFile`, both relative to
 * rotation.yaml's directory, and `masterKeyPeriod`, the master key's cryptoperiod (a duration
 * like a key's `period`, same range): `audit` warns once the key is older.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import type { OptionsKind } from '../../adapters/settings.js';
import { outOfRange, parseDuration, rangeText } from '../../config/duration.js';

export interface FileStoreOptions {
  path: string;
  masterKeyFile?: string;
  /** ms */
  masterKeyPeriod?: number;
}

export const fileStoreKind: OptionsKind<FileStoreOptions> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const file = o.requiredText('path', 'e.g. path: .keyturn/store.enc');
    const masterKeyFile = o.text('masterKeyFile');
    const masterKeyPeriod = period(o, 'masterKeyPeriod');
    if (!o.ok || file === undefined) return undefined;
    return {
      path: file,
      ...(masterKeyFile === undefined ? {} : { masterKeyFile }),
      ...(masterKeyPeriod === undefined ? {} : { masterKeyPeriod }),
    };
  },
};

/** A duration written like a key's period, within the period's range. */
function period(o: OptionReader, name: string): number | undefined {
  const value = o.raw[name];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) return o.problem([name], 'is not a duration', 'e.g. 365d, 52w, 90d');
  const range = outOfRange(ms, 'period');
  if (range) return o.problem([name], `\`${value}\` ${range}`, `allowed: ${rangeText('period')}`);
  return ms;
}
