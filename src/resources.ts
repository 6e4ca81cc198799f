/**
 * The run's shared services: the configuration and the stores and issuers it names, opened
 * on first use. The engine, the plan, the CLI and the audit all work through it.
 */
import type { Config } from './config/types.js';
import type { RunContext } from './context.js';
import type { Issuer } from './issuers/types.js';
import type { SecretStore } from './stores/types.js';

export interface Resources {
  config: Config;
  ctx: RunContext;
  store(name: string): Promise<SecretStore>;
  issuer(name: string): Promise<Issuer>;
}
