/**
 * The last completed rotation, mirrored into the secret's custom_metadata so that someone
 * looking at the secret in Vault (UI, `vault kv metadata get`) sees when, by whom and to which
 * key id it was rotated. Other custom_metadata keys are kept.
 * Vault's limits (64 keys, 128-char keys, 512-char values) are respected: the operator's keys win.
 */
import type { VaultClient } from './client.js';
import type { VaultFailure } from './errors.js';
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

/**
 * One request when Vault can merge (PATCH, a JSON merge patch of custom_metadata: the operator's
 * keys stay, whoever wrote them last); read, merge and write when it cannot: an older Vault
 * (405), a policy without "patch" (403), metadata that is not there (404), or a merged map over
 * Vault's 64 keys (400), where the operator's keys win.
 */
export async function mirrorToMetadata(client: VaultClient, metadataPath: string, entry: HistoryEntry): Promise<void> {
  const ours = rotationMetadata(entry);
  try {
    await client.patchMetadata(metadataPath, { custom_metadata: ours });
    return;
  } catch (error) {
    const status = (error as { vault?: VaultFailure }).vault?.status;
    if (![400, 403, 404, 405, 415].includes(status ?? 0)) throw error;
  }
  const existing = (await client.readMetadata(metadataPath))?.customMetadata ?? {};
  // the operator's own keys are never dropped: over Vault's 64-key limit, keyturn's are left out
  const merged: Record<string, string> = { ...existing };
  for (const [k, v] of Object.entries(ours)) if (k in merged || Object.keys(merged).length < MAX_KEYS) merged[k] = v;
  if (Object.entries(ours).every(([k, v]) => existing[k] === v)) return;
  await client.writeMetadata(metadataPath, { custom_metadata: merged });
}
