/**
 * `--data FILE`: the stand-in's state (every namespace's mounts, tokens, policies, roles) in one
 * JSON file, rewritten after each change (a temporary file renamed over it, so a crash leaves the
 * old or the new state, never half of one). Vault keeps the same things in its storage backend.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AuthSnapshot, TokenTable } from './auth.js';
import type { KvSnapshot } from './kv-engine.js';
import type { Space } from './routes.js';

interface Saved {
  version: 1;
  auth: AuthSnapshot;
  spaces: Record<string, { v2: Record<string, KvSnapshot>; v1: Record<string, Record<string, Record<string, unknown>>> }>;
}

export function saveState(file: string, from: { tokens: TokenTable; spaces: Map<string, Space> }): void {
  const saved: Saved = {
    version: 1,
    auth: from.tokens.snapshot(),
    spaces: Object.fromEntries(
      [...from.spaces].map(([ns, s]) => [
        ns,
        {
          v2: Object.fromEntries([...s.v2].map(([m, kv]) => [m, kv.snapshot()])),
          v1: Object.fromEntries([...s.v1].map(([m, map]) => [m, Object.fromEntries(map)])),
        },
      ]),
    ),
  };
  const temp = `${file}.tmp`;
  writeFileSync(temp, JSON.stringify(saved), { mode: 0o600 });
  renameSync(temp, file);
}

/** Read the file if it exists; mounts no longer configured are left out. */
export function loadState(file: string, into: { tokens: TokenTable; space: (ns: string) => Space; spaces: Map<string, Space> }): void {
  if (!existsSync(file)) return;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
  if (saved.version !== 1) throw new Error(`${file}: not a stand-in state file (version ${String(saved.version)})`);
  into.tokens.restore(saved.auth);
  for (const [ns, s] of Object.entries(saved.spaces)) {
    const space = into.space(ns);
    for (const [m, snap] of Object.entries(s.v2)) space.v2.get(m)?.restore(snap);
    for (const [m, entries] of Object.entries(s.v1)) {
      const map = space.v1.get(m);
      if (map) for (const [k, v] of Object.entries(entries)) map.set(k, v);
    }
  }
}
