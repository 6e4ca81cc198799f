/**
 * The working-tree half of `keyturn scan`: every file under the given paths, gitignored ones
 * too (a leak is a leak), read once each; binaries (a NUL byte in the first 8000 bytes, as
 * git decides) and files over the size limit are skipped and counted, never silently.
 * Symbolic links are not followed, and `.git` folders are left to `--git`, which reads the
 * history they hold object by object.
 */
import { lstat, opendir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Form, SecretMatcher } from './matcher.js';

export interface ScanStats {
  files: number;
  bytes: number;
  skippedBinary: number;
  skippedLarge: number;
  unreadable: number;
}

export interface Hit {
  line: number;
  form: Form;
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const BINARY_PROBE = 8000;
const READS_IN_FLIGHT = 8;

export function emptyStats(): ScanStats {
  return { files: 0, bytes: 0, skippedBinary: 0, skippedLarge: 0, unreadable: 0 };
}

/** Every form found in a file's bytes, with its 1-based line; undefined when the bytes look binary. */
export function scanBytes(bytes: Buffer, matcher: SecretMatcher): Hit[] | undefined {
  if (bytes.subarray(0, BINARY_PROBE).includes(0)) return undefined;
  const text = bytes.toString('latin1');
  const hits: Hit[] = [];
  let line = 1;
  let counted = 0;
  matcher.scan(text, (at, form) => {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
    counted = at;
    hits.push({ line, form });
  });
  return hits;
}

export async function scanFiles(
  roots: readonly string[],
  matcher: SecretMatcher,
  options: { maxBytes: number },
  onHits: (file: string, hits: Hit[]) => void,
): Promise<ScanStats> {
  const stats = emptyStats();
  const queue: string[] = [];
  for (const root of roots) {
    const info = await lstat(root);
    if (info.isDirectory()) await walk(root, queue);
    else if (info.isFile()) queue.push(root);
  }
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const file = queue[next++]!;
      let bytes: Buffer;
      try {
        const info = await lstat(file);
        if (info.size > options.maxBytes) {
          stats.skippedLarge++;
          continue;
        }
        bytes = await readFile(file);
      } catch {
        stats.unreadable++;
        continue;
      }
      const hits = scanBytes(bytes, matcher);
      if (!hits) {
        stats.skippedBinary++;
        continue;
      }
      stats.files++;
      stats.bytes += bytes.length;
      if (hits.length) onHits(file, hits);
    }
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
  return stats;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = [];
  for await (const entry of await opendir(dir)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '.git') await walk(full, out);
    } else if (entry.isFile()) out.push(full);
  }
}
