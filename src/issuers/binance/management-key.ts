/**
 * The master account's management key, read from a store declared in rotation.yaml (never
 * written in the file itself): `managementKey: { store, path }` holding { apiKey, secret }
 * or { apiKey, privateKey }. The run's stores reach the issuer through its context.
 */
import type { RunContext } from '../../context.js';
import { errors } from '../../errors.js';
import type { BinanceOptions } from './options.js';

export interface ManagementKey {
  apiKey: string;
  material: Record<string, string>;
}

export async function readManagementKey(issuer: string, options: BinanceOptions, ctx: RunContext): Promise<ManagementKey> {
  const { store: storeName, path } = options.managementKey;
  if (!ctx.store) throw errors.issuer(`issuer ${issuer}: this run has no stores to read the management key from`);
  const store = await ctx.store(storeName).catch(() => {
    throw errors.config(`issuer ${issuer}: managementKey.store ${storeName} is not declared under stores`);
  });
  const version = await store.current({ store: storeName, path, key: `${issuer}:management` });
  const material = version?.material ?? {};
  if (!material.apiKey || (!material.secret && !material.privateKey)) {
    throw errors.issuer(
      `issuer ${issuer}: no management key at ${storeName}:${path}`,
      "store the master account's management key there as { apiKey, secret } (or { apiKey, privateKey } for Ed25519)",
    );
  }
  ctx.redactor.add(...Object.values(material));
  return { apiKey: material.apiKey, material };
}
