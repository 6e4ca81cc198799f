/**
 * A fresh workspace that starts as a copy of another: the seed's files (store, master key
 * file, provider, consumers, rotation.yaml) copied into a folder of its own, and the seed's
 * master key. A describe block rotates its seed once in before() and gives each test its own
 * copy, instead of running the same first rotation again in every beforeEach; the copy
 * shares nothing with the seed or with another copy.
 */
import { cp } from 'node:fs/promises';
import { Workspace } from './workspace.js';

export async function copyWorkspace(seed: Workspace): Promise<Workspace> {
  const ws = await Workspace.create();
  // file modes come along (master.key stays 0600)
  await cp(seed.dir, ws.dir, { recursive: true, preserveTimestamps: true });
  ws.env.KEYTURN_MASTER_KEY = seed.env.KEYTURN_MASTER_KEY!;
  return ws;
}
