/**
 * Health retries are bounded twice: the schema allows at most 100, and the consumer's
 * timeout is one deadline for its restart and every health probe, so a health check that
 * never passes fails (and the rotation rolls back) within about that timeout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';
import { Workspace } from '../support/workspace.js';
import { fileWith, ValidateDir } from '../config/validate-cli.js';

describe('health checks within the consumer timeout', function () {
  this.timeout(90_000);

  it('validate refuses retries: 1000000000 at the field', async () => {
    const dir = new ValidateDir();
    await dir.create();
    try {
      const refusal = await dir.refuse(
        fileWith(`    issuer: tokens
    period: 30d
    consumers:
      - { name: app, restart: { command: "true" }, health: { command: "true", retries: 1000000000 } }
`),
      );
      expect(refusal.problems).to.deep.equal(['13:88  keys[0].consumers[0].health.retries  must be at most 100, not 1000000000']);
    } finally {
      await dir.remove();
    }
  });

  it('a health check that never passes on the new key fails the restart within the consumer timeout, and rolls back', async () => {
    const ws = await Workspace.create({ keys: 1 });
    try {
      const first = await ws.run(['rotate', '--all', '--yes']);
      expect(first.exitCode, first.stderr).to.equal(0);
      const before = await expectSettled(ws, 'key-1');

      // healthy only on the key it runs now: every probe of the new key fails, the rollback's pass
      const file = path.join(ws.dir, 'rotation.yaml');
      const yaml = await readFile(file, 'utf8');
      const health = `health: { command: [sh, -c, 'test "$KEYTURN_KEY_ID" = ${before.currentKeyId}'], retries: 100, interval: 1s }`;
      const mapping = '        env: { APP_SECRET: secret }\n';
      await writeFile(file, yaml.replace(mapping, `${mapping}        timeout: 2s\n        ${health}\n`));

      const started = Date.now();
      const result = await ws.run(['rotate', 'key-1', '--yes']);
      const elapsedMs = Date.now() - started;

      expect(result.exitCode, result.stderr).to.equal(1);
      expect(result.stdout).to.match(/rolled-back.*failed at restart/);
      expect(result.stderr).to.include('consumer app-1 is not healthy within its timeout');
      // 101 probes a second apart would take over 100s; the 2s deadline ends it long before
      expect(elapsedMs).to.be.below(45_000);
      expect(await expectSettled(ws, 'key-1')).to.deep.equal(before);
      expectAliveAtProvider(ws, [before.currentKeyId]);
      expect((await historyOf(ws, 'key-1')).map((h) => h.outcome)).to.deep.equal(['completed', 'rolled-back']);
    } finally {
      await ws.cleanup();
    }
  });
});
