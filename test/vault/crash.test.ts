/**
 * The kill -9 matrix (test/support/crash-matrix.ts) on the Vault stand-in, a fresh Vault per
 * case (every workspace uses the same secret paths). Vault's own surface, read as an
 * application and an operator would: the latest version is CURRENT, no stray pending
 * document, the lease released and the journal cleared (both in the key's state document, now
 * written together with the record and history at the end), the state document there. Every
 * point with the root token; with Kubernetes auth (a login again on the rerun) the points where
 * the store is mid-rotation: the login does not change the engine's path, the whole matrix twice
 * would cost CI two more minutes for nothing new.
 *
 * Each stand-in keeps its state in a file (its `dataFile`, rewritten after every change). A
 * case's Vault starts from a copy of the file of the Vault the matrix rotated the key on once,
 * and its workspace (set up for that Vault and login, as any) gets a copy of that workspace's
 * provider and consumers: the case starts where the rotated one is, sharing nothing with it.
 */
import { copyFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { sha256 } from '../support/invariants.js';
import { crashMatrix, type CrashWorkspace } from '../support/crash-matrix.js';
import type { Workspace } from '../support/workspace.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import type { LoginMethod } from './login-setup.js';
import { standIn } from './support.js';
import { consumerClient, vaultWorkspace } from './workspace.js';

const MID_ROTATION = ['create:after', 'store.stage', 'promote:after', 'verify:after', 'retire:before', 'record:after'];

/** What a workspace's folder holds of its own making (the rest, set up for its Vault and login, stays the workspace's). */
const OWN_FILES = new Set(['rotation.yaml', 'sa-token']);

/** A Vault stand-in and a workspace on it; `from`: start both as copies of that one's. */
async function vaultCase(auth: LoginMethod, from?: { dataFile: string; ws: Workspace }): Promise<CrashWorkspace> {
  const dir = await tempDir('keyturn-vault-crash-');
  const dataFile = path.join(dir, 'vault.json');
  let vault;
  try {
    if (from) await copyFile(from.dataFile, dataFile);
    vault = await standIn({ dataFile });
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
  const started = vault;
  const ws = await vaultWorkspace(started, { keys: 1 }, auth).catch(async (error: unknown) => {
    await started.close();
    await removeTempDir(dir);
    throw error;
  });
  const cleanup = async () => {
    await ws.cleanup();
    await started.close();
    await removeTempDir(dir);
  };
  if (from) {
    try {
      await cp(from.ws.dir, ws.dir, { recursive: true, preserveTimestamps: true, filter: (src) => !OWN_FILES.has(path.basename(src)) });
      ws.env.KEYTURN_MASTER_KEY = from.ws.env.KEYTURN_MASTER_KEY!;
    } catch (error) {
      await cleanup();
      throw error;
    }
  }
  const consumer = consumerClient(started);
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
    cleanup,
    fork: () => vaultCase(auth, { dataFile, ws }),
  };
}

for (const auth of ['token', 'kubernetes'] as const) {
  const points = auth === 'token' ? undefined : MID_ROTATION;
  crashMatrix(`vault stand-in, logged in with ${auth}`, () => vaultCase(auth), { points });
}
