/**
 * What the file store has to tell the operator without failing: today, that an interrupted
 * `store rekey` left the store under a key other than the configured one, and which key opens
 * it. The store has no logger of its own; the CLI entry listens and prints each notice once
 * on stderr. Notices name files and key ids, never a key.
 */
type Listener = (message: string) => void;

const listeners = new Set<Listener>();
const said = new Set<string>();
let quiet = false;

export function onFileStoreNotice(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** `store rekey` reports an interrupted rekey itself. */
export function quietFileStoreNotices(): void {
  quiet = true;
}

export function fileStoreNotice(message: string): void {
  if (quiet || said.has(message)) return;
  said.add(message);
  for (const listener of listeners) listener(message);
}
