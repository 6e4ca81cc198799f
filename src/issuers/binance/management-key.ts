/**
 * The master account's management key, read from a store declared in rotation.yaml. The
 * Issuer interface hands an issuer only its own options, so the store's declaration is read
 * from the same rotation file the CLI loaded (its --config, else rotation.yaml).
 */
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { RunContext } from '../../context.js';
import { errors } from '../../errors.js';
import { openStore } from '../../stores/registry.js';
import type { BinanceOptions } from './options.js';

export interface ManagementKey {
  apiKey: string;
  material: Record<string, string>;
}

export function configFileOf(argv: readonly string[], cwd: string): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if ((arg === '--config' || arg === '-c') && argv[i + 1]) return path.resolve(argv[i + 1]!);
    if (arg.startsWith('--config=')) return path.resolve(arg.slice('--config='.length));
  }
  return path.join(cwd, 'rotation.yaml');
}

export async function readManagementKey(issuer: string, options: BinanceOptions, ctx: RunContext): Promise<ManagementKey> {
  const { config } = await loadConfig(configFileOf(process.argv, ctx.cwd), { env: ctx.env });
  const storeConfig = config.stores[options.managementKey.store];
  if (!storeConfig) throw errors.config(`issuer ${issuer}: managementKey.store ${options.managementKey.store} is not declared under stores`);
  const store = await openStore(storeConfig, { baseDir: config.dir, env: ctx.env });
  try {
    const version = await store.current({ store: storeConfig.name, path: options.managementKey.path, key: `${issuer}:management` });
    const material = version?.material ?? {};
    if (!material.apiKey || (!material.secret && !material.privateKey)) {
      throw errors.issuer(
        `issuer ${issuer}: no management key at ${options.managementKey.store}:${options.managementKey.path}`,
        'store the master account\'s management key there as { apiKey, secret } (or { apiKey, privateKey } for Ed25519)',
      );
    }
    ctx.redactor.add(...Object.values(material));
    return { apiKey: material.apiKey, material };
  } finally {
    await store.close();
  }
}
