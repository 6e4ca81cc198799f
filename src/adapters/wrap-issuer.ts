/**
 * wrapIssuer: what every Issuer gets when the registry loads it, so no issuer does it itself:
 * its shape checked, a failpoint `issuer.<method>` (narrowed by the key) before every call,
 * create and revoke refused in a dry run, create's answer checked before anything stages it,
 * and its name on every error that leaves it.
 */
import type { RunContext } from '../context.js';
import type { Issuer, IssueTarget } from '../issuers/types.js';
import { guarded, refusedInDryRun, tagSync } from './guard.js';
import { checkIdentified, checkIssuedKey } from './issued-key.js';
import { overlay } from './overlay.js';
import { checkShape } from './shape.js';

const REQUIRED = ['describe', 'create', 'verify', 'revoke'];
const OPTIONAL = ['isDead', 'list', 'lastUsed', 'inspect', 'audit', 'identify'];

export function wrapIssuer(name: string, issuer: Issuer): Issuer {
  const adapter = `issuer ${name}`;
  checkShape(adapter, issuer, REQUIRED, OPTIONAL);
  const call = <T>(method: string, target: IssueTarget, work: () => Promise<T>) =>
    guarded(adapter, `issuer.${method}`, target.key.id, work);
  const mutate = <T>(method: string, target: IssueTarget, ctx: RunContext, work: () => Promise<T>) =>
    ctx.dryRun ? Promise.reject(refusedInDryRun(adapter, method)) : call(method, target, work);
  const replaced: Partial<Issuer> = {
    describe: (target, currentKeyId) => tagSync(adapter, () => issuer.describe(target, currentKeyId)),
    create: (target, ctx) =>
      mutate('create', target, ctx, () => issuer.create(target, ctx).then((issued) => checkIssuedKey(adapter, target.key.id, issued))),
    verify: (key, target, ctx) => call('verify', target, () => issuer.verify(key, target, ctx)),
    revoke: (keyId, target, ctx, stored) => mutate('revoke', target, ctx, () => issuer.revoke(keyId, target, ctx, stored)),
  };
  // optional methods stay absent when the issuer has none: the engine and the audit test for them
  if (issuer.isDead) replaced.isDead = (keyId, target, ctx) => call('isDead', target, () => issuer.isDead!(keyId, target, ctx));
  if (issuer.list) replaced.list = (target, ctx) => call('list', target, () => issuer.list!(target, ctx));
  if (issuer.lastUsed) replaced.lastUsed = (keyId, target, ctx) => call('lastUsed', target, () => issuer.lastUsed!(keyId, target, ctx));
  if (issuer.inspect) replaced.inspect = (keyId, target, ctx) => call('inspect', target, () => issuer.inspect!(keyId, target, ctx));
  if (issuer.audit) replaced.audit = (current, target, ctx) => call('audit', target, () => issuer.audit!(current, target, ctx));
  if (issuer.identify) {
    const checked = (known: unknown, target: IssueTarget) => checkIdentified(adapter, target.key.id, known);
    replaced.identify = (current, target, ctx) =>
      call('identify', target, () => issuer.identify!(current, target, ctx).then((k) => checked(k, target)));
  }
  return overlay(issuer, replaced);
}
