/**
 * Open a store by its declared type. Each type's module is loaded only when a run uses it, so
 * `vault` and `aws-secrets-manager` slot in here without weighing on a run that never needs them.
 */
import { settingsOf, type OptionsKind } from '../adapters/settings.js';
import { wrapStore } from '../adapters/wrap-store.js';
import type { StoreConfig } from '../config/types.js';
import { errors } from '../errors.js';
import { STORE_KINDS, type StoreType } from './kinds.js';
import type { SecretStore } from './types.js';

export interface OpenOptions {
  /** relative paths in the store's options resolve from here (the directory of rotation.yaml) */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** the run only reads: the store refuses every mutation (see src/adapters/wrap-store.ts) */
  dryRun?: boolean;
}

/** A store type's module opens a store from its typed options (parsed by its kind in ./kinds.ts). */
type Opener<Options> = (name: string, options: Options, where: OpenOptions) => Promise<SecretStore>;
type Openers = { [T in StoreType]: () => Promise<Opener<(typeof STORE_KINDS)[T] extends OptionsKind<infer O> ? O : never>> };

const openers: Openers = {
  file: async () => {
    const { openFileStore } = await import('./file/open.js');
    return (_name, options, where) => openFileStore(options, where);
  },
  'aws-secrets-manager': async () => {
    const { openSecretsManagerStore } = await import('./aws/open.js');
    return (_name, options, where) => openSecretsManagerStore(options, where);
  },
  vault: async () => (await import('./vault/open.js')).openVaultStore,
};

export const storeTypes = (): string[] => Object.keys(openers);

export async function openStore(config: StoreConfig, options: OpenOptions): Promise<SecretStore> {
  const type = Object.hasOwn(openers, config.type) ? (config.type as StoreType) : undefined;
  if (!type) {
    throw errors.config(`store ${config.name} has unknown type ${config.type}`, undefined, `known store types: ${storeTypes().join(', ')}`);
  }
  const settings = settingsOf<unknown>(STORE_KINDS[type], config, 'store');
  const open = (await openers[type]()) as Opener<unknown>;
  return wrapStore(config.name, await open(config.name, settings, options), { dryRun: options.dryRun });
}

/** Opens each configured store at most once per run, on first use. */
export class StoreSet {
  private readonly opened = new Map<string, Promise<SecretStore>>();

  constructor(
    private readonly configs: Record<string, StoreConfig>,
    private readonly options: OpenOptions,
  ) {}

  get(name: string): Promise<SecretStore> {
    let store = this.opened.get(name);
    if (!store) {
      const config = Object.hasOwn(this.configs, name) ? this.configs[name] : undefined;
      if (!config)
        return Promise.reject(
          errors.config(`no store named ${name}`, undefined, `declared stores: ${Object.keys(this.configs).join(', ') || 'none'}`),
        );
      store = openStore(config, this.options);
      // A failed open is not cached: the next get() reports the problem again instead of a stale rejection.
      store.catch(() => this.opened.delete(name));
      this.opened.set(name, store);
    }
    return store;
  }

  async closeAll(): Promise<void> {
    const opening = [...this.opened.values()];
    this.opened.clear();
    // A store that failed to open has nothing to close; its error was already reported by get().
    const opened = (await Promise.allSettled(opening)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const results = await Promise.allSettled(opened.map((store) => store.close()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}
