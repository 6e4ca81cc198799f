/**
 * Deleting an old key at its issuer: by a rotation's retire step and prologue, and by a later
 * run once an overlap window has passed (src/engine/retire.ts), which has no rotation job.
 */
import { errors } from '../errors.js';
import type { IssuerContext, IssueTarget, Issuer } from '../issuers/types.js';
import { issuerContext, type RotationJob } from './job.js';

/** A rotation deletes its old key with its own job's issuer context. */
export async function retireKey(issuer: Issuer, keyId: string, job: RotationJob): Promise<void> {
  await deleteOldKey(keyId, { issuer, target: job.target, ictx: issuerContext(job) });
}

/** Delete an old key at its issuer and, where the issuer can tell, prove it dead. */
export async function deleteOldKey(keyId: string, at: { issuer: Issuer; target: IssueTarget; ictx: IssuerContext }): Promise<void> {
  const { issuer, target, ictx } = at;
  await issuer.revoke(keyId, target, ictx);
  if (issuer.isDead && !(await issuer.isDead(keyId, target, ictx))) {
    throw errors.issuer(`${target.key.id}: old key ${keyId} still works after deletion`, 'delete it by hand at the issuer and check again');
  }
  ictx.logger.info(`${target.key.id}: old key ${keyId} deleted at the issuer`);
}
