/**
 * The last completed rotation, mirrored into the secret's custom_metadata so that someone
 * looking at the secret in Vault (UI, `vault kv metadata get`) sees when, by whom and to which
 * key id it was rotated. Other custom_metadata keys are kept: Vault replaces the whole map.
 * Vault's limits (64 keys, 128-char keys, 512-char values) are respected: the operator's keys win.
 */
import type { VaultClient } from './client.js';
import type { HistoryEntry } from '../../model.js';

const MAX_VALUE = 512;
const MAX_KEYS = 64;

export function rotationMetadata(entry: HistoryEntry): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    'keyturn-rotated-at': entry.finishedAt,
    'keyturn-rotation-id': entry.rotationId,
    'keyturn-key-id': entry.newKeyId,
    'keyturn-previous-key-id': entry.oldKeyId,
    'keyturn-actor': entry.actor,
    'keyturn-trigger': entry.trigger,
  };
  return Object.fromEntries(
    Object.entries(fields)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => [k, v.slice(0, MAX_VALUE)]),
  );
}

export async function mirrorToMetadata(client: VaultClient, metadataPath: string, entry: HistoryEntry): Promise<void> {
  const existing = (await client.readMetadata(metadataPath))?.customMetadata ?? {};
  const ours = rotationMetadata(entry);
  // the operator's own keys are never dropped: over Vault's 64-key limit, keyturn's are left out
  const merged: Record<string, string> = { ...existing };
  for (const [k, v] of Object.entries(ours)) if (k in merged || Object.keys(merged).length < MAX_KEYS) merged[k] = v;
  if (Object.entries(ours).every(([k, v]) => existing[k] === v)) return;
  await client.writeMetadata(metadataPath, { custom_metadata: merged });
}
