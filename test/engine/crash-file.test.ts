/**
 * The kill -9 matrix (test/support/crash-matrix.ts) on the file store: besides the shared end
 * state, the store's own surface shows no write lock (store.enc.lock) left behind.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { crashMatrix } from '../support/crash-matrix.js';
import { Workspace } from '../support/workspace.js';

crashMatrix('file store', async () => {
  const ws = await Workspace.create({ keys: 1 });
  return {
    ws,
    expectStoreSettled: async () => {
      expect(existsSync(path.join(ws.dir, 'store.enc.lock')), 'no lock file left behind').to.equal(false);
    },
    cleanup: () => ws.cleanup(),
  };
});
