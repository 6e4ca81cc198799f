/**
 * The `ed25519` issuer's options, apart from ed25519.ts so that config load can judge them
 * without loading the script runner: register, deregister, check, list (argv lists or
 * `sh -c` strings), timeout. A key's spec is empty: the key pair is generated locally.
 */
import { OptionReader } from '../adapters/option-reader.js';
import { unknownFields, type IssuerKind } from './spec.js';

export const DEFAULT_ED25519_TIMEOUT_MS = 60_000;

export interface Ed25519Options {
  register?: string[];
  deregister?: string[];
  check?: string[];
  list?: string[];
  timeoutMs: number;
}

export const ed25519Kind: IssuerKind<Record<string, never>, Ed25519Options> = {
  parseOptions(raw, report) {
    const o = new OptionReader(raw, report);
    const timeoutMs = o.duration('timeout', DEFAULT_ED25519_TIMEOUT_MS);
    const options = {
      register: o.command('register'),
      deregister: o.command('deregister'),
      check: o.command('check'),
      list: o.command('list'),
    };
    return o.ok && timeoutMs !== undefined ? { ...options, timeoutMs } : undefined;
  },
  parseSpec: (spec, _options, report) => (unknownFields(spec, [], 'ed25519', report) ? undefined : {}),
  fields: () => ['privateKey'],
};
