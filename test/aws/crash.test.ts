/**
 * The kill -9 matrix (test/support/crash-matrix.ts) on AWS Secrets Manager (moto_server,
 * signatures checked), one moto for the suite and a fresh secret prefix per case. Secrets
 * Manager's own surface, read with the aws SDK: one AWSCURRENT, holding CURRENT's secret, no
 * stray AWSPENDING, the lease in the state secret released, at most 4 summary tags.
 */
import { expect } from 'chai';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { crashMatrix } from '../support/crash-matrix.js';
import { sha256 } from '../support/invariants.js';
import { awsWorkspace, secretsView } from './workspace.js';

describe('aws-secrets-manager on moto_server', function () {
  this.timeout(60_000);
  let moto: StrictMoto;

  before(async () => {
    moto = await startStrictMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  crashMatrix('aws-secrets-manager (moto)', async () => {
    const { ws, prefix } = await awsWorkspace(moto, { keys: 1 });
    const view = secretsView(moto, prefix);
    return {
      ws,
      expectStoreSettled: async (key, settled) => {
        const stages = Object.values(await view.stages(key));
        const labels = stages.flat();
        expect(
          labels.filter((l) => l === 'AWSCURRENT'),
          'one AWSCURRENT',
        ).to.have.length(1);
        // AWSPENDING may stay on the AWSCURRENT version (a finished rotation, as AWS's own leaves it), nowhere else
        expect(
          stages.filter((l) => l.includes('AWSPENDING') && !l.includes('AWSCURRENT')),
          'no stray AWSPENDING',
        ).to.have.length(0);
        expect(sha256((await view.current(key)).secret!), 'AWSCURRENT is CURRENT').to.equal(settled.currentSecretSha256);
        expect(await view.locked(key), 'lease released').to.equal(false);
        expect((await view.tags(key)).length, 'at most 4 tags').to.be.at.most(4);
      },
      cleanup: async () => {
        view.close();
        await ws.cleanup();
      },
    };
  });
});
