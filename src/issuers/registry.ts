/**
 * Issuer types → their modules, loaded only when a configuration uses them (a run that
 * only generates tokens never loads an exchange client). A module exports `factory`.
 */
import type { IssuerConfig } from '../config/types.js';
import { wrapIssuer } from '../adapters/wrap-issuer.js';
import { errors } from '../errors.js';
import type { IssuerType } from './kinds.js';
import type { Issuer, IssuerFactory } from './types.js';

type Loader = () => Promise<{ factory: IssuerFactory }>;

const LOADERS: Record<IssuerType, Loader> = {
  random: () => import('./random.js'),
  ed25519: () => import('./ed25519.js'),
  command: () => import('./command.js'),
  manual: () => import('./manual.js'),
  binance: () => import('./binance/index.js'),
  'aws-iam': () => import('./aws-iam/index.js'),
  postgres: () => import('./postgres/index.js'),
};

export function issuerTypes(): string[] {
  return Object.keys(LOADERS);
}

export async function loadIssuer(config: IssuerConfig): Promise<Issuer> {
  const load = Object.hasOwn(LOADERS, config.type) ? LOADERS[config.type as IssuerType] : undefined;
  if (!load) {
    throw errors.config(`issuer ${config.name} has unknown type "${config.type}"`, undefined, `known types: ${issuerTypes().join(', ')}`);
  }
  const { factory } = await load();
  if (factory.type !== config.type) throw new Error(`issuer module for "${config.type}" declares type "${factory.type}"`);
  const issuer = wrapIssuer(config.name, factory.create(config));
  if (issuer.type !== config.type) throw new Error(`issuer ${config.name} was built as "${issuer.type}", configured as "${config.type}"`);
  return issuer;
}

/** One instance per configured issuer, built on first use. */
export class IssuerSet {
  private readonly built = new Map<string, Promise<Issuer>>();

  constructor(private readonly configs: Record<string, IssuerConfig>) {}

  get(name: string): Promise<Issuer> {
    let issuer = this.built.get(name);
    if (!issuer) {
      const config = Object.hasOwn(this.configs, name) ? this.configs[name] : undefined;
      if (!config)
        return Promise.reject(
          errors.config(`no issuer named ${name}`, undefined, `configured issuers: ${Object.keys(this.configs).join(', ') || 'none'}`),
        );
      issuer = loadIssuer(config);
      // a failed load is not cached: fixing the file and retrying in the same process works
      issuer.catch(() => this.built.delete(name));
      this.built.set(name, issuer);
    }
    return issuer;
  }
}
