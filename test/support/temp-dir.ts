/** A test's scratch folder: a fresh one under the system's temp dir, and its removal. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function tempDir(prefix = 'keyturn-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Remove a folder tempDir made, whatever is in it; nothing to do when it was never made. */
export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}
