/** Build a FileStore from its typed options; relative paths resolve from rotation.yaml's directory. */
import path from 'node:path';
import { FileStore } from './file-store.js';
import type { FileStoreOptions } from './options.js';

export async function openFileStore(options: FileStoreOptions, where: { baseDir: string; env: NodeJS.ProcessEnv }): Promise<FileStore> {
  return new FileStore({
    file: path.resolve(where.baseDir, options.path),
    displayPath: options.path,
    masterKeyFile: options.masterKeyFile === undefined ? undefined : path.resolve(where.baseDir, options.masterKeyFile),
    env: where.env,
  });
}
