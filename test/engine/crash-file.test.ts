/**
 * The kill -9 matrix (test/support/crash-matrix.ts) on the file store: besides the shared end
 * state, the store's own surface shows no write lock (store.enc.lock) left behind. Everything
 * the file store and the test provider keep is in the workspace's folder, so a case starts
 * from a copy of the workspace the matrix rotated once (test/support/workspace-copy.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { crashMatrix, type CrashWorkspace } from '../support/crash-matrix.js';
import { Workspace } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';

function fileStore(ws: Workspace): CrashWorkspace {
  return {
    ws,
    expectStoreSettled: async () => {
      expect(existsSync(path.join(ws.dir, 'store.enc.lock')), 'no lock file left behind').to.equal(false);
    },
    cleanup: () => ws.cleanup(),
    fork: async () => fileStore(await copyWorkspace(ws)),
  };
}

crashMatrix('file store', async () => fileStore(await Workspace.create({ keys: 1 })));
