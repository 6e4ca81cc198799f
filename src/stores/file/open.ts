/** Build a FileStore from its rotation.yaml declaration: `path` (required) and `masterKeyFile`, relative to the config's directory. */
import path from 'node:path';
import type { StoreConfig } from '../../config/types.js';
import { errors } from '../../errors.js';
import { FileStore } from './file-store.js';

export async function openFileStore(config: StoreConfig, options: { baseDir: string; env: NodeJS.ProcessEnv }): Promise<FileStore> {
  const { path: file, masterKeyFile } = config.options;
  if (typeof file !== 'string' || file.trim() === '') {
    throw errors.config(`store ${config.name}: a file store needs option path`, undefined, 'e.g. path: .keyturn/store.enc');
  }
  if (masterKeyFile !== undefined && (typeof masterKeyFile !== 'string' || masterKeyFile.trim() === '')) {
    throw errors.config(`store ${config.name}: option masterKeyFile must be a path`);
  }
  return new FileStore({
    file: path.resolve(options.baseDir, file),
    displayPath: file,
    masterKeyFile: masterKeyFile === undefined ? undefined : path.resolve(options.baseDir, masterKeyFile),
    env: options.env,
  });
}
