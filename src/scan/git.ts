/**
 * The history half of `keyturn scan --git`: every file version any commit of any ref ever
 * held, read once (a blob that many commits share is one object), streamed from one
 * `git cat-file --batch`. A blob with a finding is then named by the commit that first
 * added it and its path, so a finding says where to look: commit, path, line.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { errors } from '../errors.js';
import { scanBytes, emptyStats, type Hit, type ScanStats } from './files.js';
import type { SecretMatcher } from './matcher.js';

export interface GitHit {
  commit: string;
  path: string;
  hits: Hit[];
}

// git's own output (object ids, paths) carries no secret: the contents go through the matcher only
const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 1 << 30, encoding: 'utf8' })).stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim();
    throw errors.usage(`git ${args[0]} in ${cwd} failed: ${stderr.split('\n')[0]}`);
  }
}

/** The top of the repository `dir` is in; undefined when it is not in one. */
export async function repositoryOf(dir: string): Promise<string | undefined> {
  return git(dir, ['rev-parse', '--show-toplevel']).then(
    (out) => out.trim(),
    () => undefined,
  );
}

export async function scanHistory(
  repo: string,
  matcher: SecretMatcher,
  options: { maxBytes: number },
  onHit: (hit: GitHit) => void,
): Promise<ScanStats & { commits: number; blobs: number }> {
  const commits = Number((await git(repo, ['rev-list', '--all', '--count'])).trim() || 0);
  // every blob reachable from a ref, once, with the first path the walk met it at
  const listing = await git(repo, ['rev-list', '--all', '--objects', '--filter=object:type=blob', '--filter-provided-objects']);
  const pathOf = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) pathOf.set(line.slice(0, space), line.slice(space + 1));
  }
  const stats = { ...emptyStats(), commits, blobs: pathOf.size };
  const found: Array<{ blob: string; hits: Hit[] }> = [];
  await catFile(
    repo,
    [...pathOf.keys()],
    (blob, size, bytes) => {
      if (!bytes) {
        stats.skippedLarge++;
        return;
      }
      const hits = scanBytes(bytes, matcher);
      if (!hits) {
        stats.skippedBinary++;
        return;
      }
      stats.files++;
      stats.bytes += size;
      if (hits.length) found.push({ blob, hits });
    },
    options.maxBytes,
  );
  for (const { blob, hits } of found) {
    // the oldest commit that added this exact content
    const added = (await git(repo, ['log', '--all', '--reverse', '--format=%H', `--find-object=${blob}`])).split('\n')[0] ?? '';
    onHit({ commit: added.trim(), path: pathOf.get(blob) ?? '?', hits });
  }
  return stats;
}

/** Stream the objects through one `git cat-file --batch`; objects over maxBytes are reported without their bytes. */
function catFile(
  repo: string,
  ids: string[],
  onObject: (id: string, size: number, bytes: Buffer | undefined) => void,
  maxBytes: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let buffered = 0;
    let want: { id: string; size: number } | undefined;
    let stderr = '';
    const take = (n: number): Buffer => {
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks.length = 0;
      const out = all.subarray(0, n);
      if (all.length > n) chunks.push(all.subarray(n));
      buffered -= n;
      return out;
    };
    const pump = () => {
      for (;;) {
        if (!want) {
          const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          chunks.length = 0;
          if (all.length) chunks.push(all);
          const eol = all.indexOf(10);
          if (eol < 0) return;
          const header = all.subarray(0, eol).toString('latin1').split(' ');
          take(eol + 1);
          if (header[1] === 'missing') continue;
          want = { id: header[0]!, size: Number(header[2]) };
        }
        if (buffered < want.size + 1) return;
        const bytes = take(want.size);
        take(1);
        onObject(want.id, want.size, want.size > maxBytes ? undefined : bytes);
        want = undefined;
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      pump();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(errors.usage(`git cat-file failed in ${repo}: ${stderr.trim()}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(ids.length ? `${ids.join('\n')}\n` : '');
  });
}
