/**
 * The kill -9 matrix (test/support/crash-matrix.ts) on AWS Secrets Manager (moto_server,
 * signatures checked), one moto for the suite and a fresh secret prefix per case. Secrets
 * Manager's own surface, read with the aws SDK: one AWSCURRENT, holding CURRENT's secret, no
 * AWSPENDING left, and no lock secret (the lease released).
 */
import { expect } from 'chai';
import { startMoto, type Moto } from '../../bench/moto.js';
import { crashMatrix } from '../support/crash-matrix.js';
import { sha256 } from '../support/invariants.js';
import { awsWorkspace, secretsView } from './workspace.js';

describe('aws-secrets-manager on moto_server', function () {
  this.timeout(60_000);
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
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
        const labels = Object.values(await view.stages(key)).flat();
        expect(
          labels.filter((l) => l === 'AWSCURRENT'),
          'one AWSCURRENT',
        ).to.have.length(1);
        expect(labels, 'no AWSPENDING left').to.not.include('AWSPENDING');
        expect(sha256((await view.current(key)).secret!), 'AWSCURRENT is CURRENT').to.equal(settled.currentSecretSha256);
        expect(await view.locked(key), 'lease released: no lock secret').to.equal(false);
      },
      cleanup: async () => {
        view.close();
        await ws.cleanup();
      },
    };
  });
});
