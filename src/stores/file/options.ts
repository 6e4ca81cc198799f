/** The `file` store's options: `path` (required) and `masterKeyFile`, both relative to rotation.yaml's directory. */
import { OptionReader } from '../../adapters/option-reader.js';
import type { OptionsKind } from '../../adapters/settings.js';

export interface FileStoreOptions {
  path: string;
  masterKeyFile?: string;
}

export const fileStoreKind: OptionsKind<FileStoreOptions> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const file = o.requiredText('path', 'e.g. path: .keyturn/store.enc');
    const masterKeyFile = o.text('masterKeyFile');
    if (!o.ok || file === undefined) return undefined;
    return { path: file, ...(masterKeyFile === undefined ? {} : { masterKeyFile }) };
  },
};
