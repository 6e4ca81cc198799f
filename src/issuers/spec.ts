/**
 * What an issuer type declares, judged from rotation.yaml alone: its typed options and a
 * key's typed spec (both parsed at config load, so `keyturn validate` reports a problem with
 * its position, and kept in the normalized config: IssuerConfig.settings, KeyConfig.issuerSpec),
 * and the material fields its create returns (so a consumer's env mapping to a field that
 * will not exist is refused before anything is rotated).
 */
import type { OptionsKind } from '../adapters/settings.js';
import type { Report } from '../adapters/report.js';
import type { KeyConfig } from '../config/types.js';
import { closest } from '../config/suggest.js';
import { errors } from '../errors.js';

export type { Report } from '../adapters/report.js';

export interface IssuerKind<Spec = unknown, Options = unknown> extends OptionsKind<Options> {
  /** A key's spec (an object, possibly empty); undefined when a problem was reported. */
  parseSpec(spec: Record<string, unknown>, options: Record<string, unknown>, report: Report): Spec | undefined;
  /**
   * The fields of the material create returns; undefined when the issuer cannot say in
   * advance. `spec` is undefined when it has problems: most issuers can still say.
   */
  fields(spec: Spec | undefined, options: Record<string, unknown>): readonly string[] | undefined;
  /** Its keys live in an exchange account, which caps how many keys it may hold (policy rule key-count). */
  exchangeAccounts?: true;
}

/** Reports every field of `spec` that is not in `known` (a typo would otherwise be ignored silently). */
export function unknownFields(spec: Record<string, unknown>, known: readonly string[], type: string, report: Report): boolean {
  let found = false;
  for (const field of Object.keys(spec)) {
    if (known.includes(field)) continue;
    found = true;
    const guess = closest(field, known);
    const takes = known.length ? `the spec of a \`${type}\` key takes: ${known.join(', ')}` : `a \`${type}\` key takes no spec`;
    const hint = guess ? `did you mean \`${guess}\`?` : takes;
    report([field], `unknown spec field \`${field}\``, hint);
  }
  return found;
}

/**
 * A key's typed spec: the one config load parsed, or (a key built by hand, e.g. in a test)
 * parsed now, its first problem a configuration error at the key.
 */
export function specOrThrow<Spec>(kind: IssuerKind<Spec>, key: KeyConfig, options: Record<string, unknown>): Spec {
  // set by config load from this same kind's parseSpec (src/config/issuer-specs.ts)
  if (key.issuerSpec !== undefined) return key.issuerSpec as Spec;
  const problems: string[] = [];
  const spec = kind.parseSpec(key.spec ?? {}, options, (path, message, hint) => {
    problems.push(`spec.${path.join('.')}: ${message}${hint ? ` (${hint})` : ''}`);
  });
  if (spec === undefined || problems.length > 0) {
    throw errors.config(`key ${key.id}: ${problems[0] ?? 'bad spec'}`, `${key.position.file}:${key.position.line}:${key.position.column}`);
  }
  key.issuerSpec = spec;
  return spec;
}
