/**
 * Rotations through the CLI on AWS Secrets Manager behind the strict front (AWS's rules on
 * moto_server): the same key five times in a row, a rotate followed at once by a revoke, and two
 * runners on the same due keys, each key rotated exactly once. Each ends settled: one
 * AWSCURRENT holding CURRENT's secret, no stray AWSPENDING, the lease free, at most 4 tags.
 */
import { expect } from 'chai';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { expectAliveAtProvider, expectSettled, historyOf, sha256 } from '../support/invariants.js';
import { awsWorkspace, secretsView } from './workspace.js';

describe('aws-secrets-manager rotations through the strict front', function () {
  this.timeout(120_000);
  let moto: StrictMoto;

  before(async () => {
    moto = await startStrictMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  async function expectAwsSettled(view: ReturnType<typeof secretsView>, key: string, currentSecretSha256: string) {
    const stages = Object.values(await view.stages(key));
    expect(stages.flat().filter((l) => l === 'AWSCURRENT')).to.have.length(1);
    expect(stages.filter((l) => l.includes('AWSPENDING') && !l.includes('AWSCURRENT'))).to.have.length(0);
    expect(sha256((await view.current(key)).secret!)).to.equal(currentSecretSha256);
    expect(await view.locked(key)).to.equal(false);
    expect((await view.tags(key)).length).to.be.at.most(4);
  }

  it('rotates the same key five times in a row, then a rotate followed at once by a revoke', async () => {
    const { ws, prefix } = await awsWorkspace(moto, { keys: 1 });
    const view = secretsView(moto, prefix);
    try {
      for (let i = 0; i < 5; i += 1) {
        const result = await ws.run(['rotate', 'key-1', '--yes']);
        expect(result.exitCode, `rotation ${i + 1}: ${result.stderr}`).to.equal(0);
      }
      const rotated = await ws.run(['rotate', 'key-1', '--yes']);
      expect(rotated.exitCode, rotated.stderr).to.equal(0);
      const revoked = await ws.run(['revoke', 'key-1', '--yes', '--reason', 'leaked in a test']);
      expect(revoked.exitCode, revoked.stderr).to.equal(0);
      const settled = await expectSettled(ws, 'key-1');
      expectAliveAtProvider(ws, [settled.currentKeyId]);
      await expectAwsSettled(view, 'key-1', settled.currentSecretSha256);
      const history = await historyOf(ws, 'key-1');
      expect(history.map((h) => [h.trigger, h.outcome])).to.deep.equal([
        ...Array.from({ length: 6 }, () => ['manual', 'completed']),
        ['revoke', 'completed'],
      ]);
      expect(new Set(history.map((h) => h.rotationId)).size).to.equal(7);
    } finally {
      view.close();
      await ws.cleanup();
    }
  });

  it('two runners on the same due keys rotate each key exactly once', async () => {
    const { ws, prefix } = await awsWorkspace(moto, { keys: 6 });
    const view = secretsView(moto, prefix);
    try {
      const [a, b] = await Promise.all([
        ws.run(['rotate', '--due', '--yes', '--concurrency', '3']),
        ws.run(['rotate', '--due', '--yes', '--concurrency', '3']),
      ]);
      expect(a!.exitCode, a!.stderr).to.equal(0);
      expect(b!.exitCode, b!.stderr).to.equal(0);
      const alive: string[] = [];
      for (const key of ws.keyIds) {
        const history = await historyOf(ws, key);
        expect(
          history.filter((h) => h.outcome === 'completed'),
          `${key} rotated once`,
        ).to.have.length(1);
        const settled = await expectSettled(ws, key);
        alive.push(settled.currentKeyId);
        await expectAwsSettled(view, key, settled.currentSecretSha256);
      }
      expectAliveAtProvider(ws, alive);
      expect(`${a!.stdout}\n${b!.stdout}`.match(/^\S+\s+due\s+completed\b/gm) ?? []).to.have.length(6);
    } finally {
      view.close();
      await ws.cleanup();
    }
  });
});
