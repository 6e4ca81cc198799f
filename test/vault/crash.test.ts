/**
 * The kill -9 matrix (test/support/crash-matrix.ts) on the Vault stand-in, a fresh Vault per
 * case (every workspace uses the same secret paths). Vault's own surface, read as an
 * application and an operator would: the latest version is CURRENT, no stray pending
 * document, the lease released and the journal cleared (both in the key's state document, now
 * written together with the record and history at the end), the state document there. Every
 * point with the root token; with Kubernetes auth (a login again on the rerun) the points where
 * the store is mid-rotation: the login does not change the engine's path, the whole matrix twice
 * would cost CI two more minutes for nothing new.
 */
import { expect } from 'chai';
import { sha256 } from '../support/invariants.js';
import { crashMatrix } from '../support/crash-matrix.js';
import { standIn } from './support.js';
import { consumerClient, vaultWorkspace } from './workspace.js';

const MID_ROTATION = ['create:after', 'store.stage', 'promote:after', 'verify:after', 'retire:before', 'record:after'];

for (const auth of ['token', 'kubernetes'] as const) {
  const points = auth === 'token' ? undefined : MID_ROTATION;
  crashMatrix(
    `vault stand-in, logged in with ${auth}`,
    async () => {
      const vault = await standIn();
      const ws = await vaultWorkspace(vault, { keys: 1 }, auth).catch(async (error: unknown) => {
        await vault.close();
        throw error;
      });
      const consumer = consumerClient(vault);
      return {
        ws,
        expectStoreSettled: async (key, settled) => {
          expect(sha256((await consumer.latest(key))!.secret!), 'latest is CURRENT').to.equal(settled.currentSecretSha256);
          expect(await consumer.staged(key), 'no stray pending').to.equal(false);
          expect(await consumer.sideDocs(key), 'the state document is there').to.include('state');
          const state = (await consumer.sideDoc(key, 'state')) as { lease?: unknown; journal?: unknown } | undefined;
          expect(state?.lease, 'lease released').to.equal(undefined);
          expect(state?.journal, 'journal cleared').to.equal(undefined);
        },
        cleanup: async () => {
          await ws.cleanup();
          await vault.close();
        },
      };
    },
    { points },
  );
}
