/**
 * The worker's rotation.yaml, re-read when it changes. A cheap poll of the file's identity
 * (inode, size, mtime) at the worker's poll interval: an editor that writes a new file and
 * renames it over the old one changes the inode, one that writes in place changes the size or
 * the mtime. A changed file goes through the same loader as every command (loadConfig): valid,
 * it becomes the configuration of the jobs started afterwards; broken, the last good one stays,
 * and the loader's message (file:line) is reported once per change of the file.
 */
import { stat } from 'node:fs/promises';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { messageOf } from '../errors.js';

export type ReloadOutcome = { kind: 'unchanged' } | { kind: 'valid'; config: Config } | { kind: 'broken'; message: string };

export class ConfigWatch {
  private signature?: string;

  constructor(
    readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Remember the file as it is now (the configuration the worker started with). */
  async prime(): Promise<void> {
    this.signature = await signatureOf(this.file);
  }

  /** Has the file changed since the last check? Then load it. */
  async check(): Promise<ReloadOutcome> {
    const now = await signatureOf(this.file);
    if (now === this.signature) return { kind: 'unchanged' };
    this.signature = now;
    try {
      const { config } = await loadConfig(this.file, { env: this.env });
      return { kind: 'valid', config };
    } catch (error) {
      return { kind: 'broken', message: messageOf(error) };
    }
  }
}

async function signatureOf(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}
