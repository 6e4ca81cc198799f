/**
 * keyturn store rekey STORE: re-encrypt a file store under a new master key (the old key is
 * the store's configured one). A key file store gets a generated key, written 0600 beside the
 * old one and moved over it at the end; a store keyed by KEYTURN_MASTER_KEY gets the key the
 * operator types at a hidden prompt or pipes on stdin, never from argv. The key is never
 * printed: only its id (src/stores/file/rekey-marker.ts). The procedure and what a crash
 * leaves: src/stores/file/rekey.ts, docs/file-store.md#rekeying-the-master-key.
 */
import path from 'node:path';
import { MASTER_KEY_ENV } from '../../env-names.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import { holderIsDead } from '../../engine/lease.js';
import type { StoreDocument } from '../../stores/file/document.js';
import type { FileStoreOptions } from '../../stores/file/options.js';
import type { RekeyResult } from '../../stores/file/rekey.js';
import { terminalValue as one } from '../../log/terminal-text.js';
import type { Session } from '../session.js';
import { readBoundedStdin } from '../stdin.js';

const MAX_KEY_INPUT = 4096;

export async function rekey(session: Session, storeName: string): Promise<ExitCodeValue> {
  const { config, ctx, out } = session;
  const declared = config.stores[storeName]!;
  if (declared.type !== 'file') {
    throw errors.usage(
      `store rekey re-encrypts the embedded file store only; ${storeName} is ${declared.type}`,
      'that store encrypts with its own keys: rotate them with its own tools',
    );
  }
  const options = declared.options as Partial<FileStoreOptions>;
  const file = path.resolve(config.dir, String(options.path));
  const keyFile = path.resolve(config.dir, options.masterKeyFile ?? path.join(path.dirname(String(options.path)), 'master.key'));
  const envKey = process.env[MASTER_KEY_ENV];
  if (envKey) ctx.redactor.add(envKey);
  const { rekeyFileStore } = await import('../../stores/file/rekey.js');
  const started = Date.now();
  const result = await rekeyFileStore({
    file,
    keyFile,
    env: process.env,
    now: () => ctx.clock.now(),
    newKey: () => readNewKey(session),
    check: (doc) => refuseLiveLeases(doc, ctx.clock.now()),
  });
  const ms = Date.now() - started;
  const shown = (absolute: string) => {
    const relative = path.relative(config.dir, absolute);
    return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  };
  if (session.options.json) {
    out.json({
      store: storeName,
      ...result,
      ...(result.keyFile ? { keyFile: shown(result.keyFile) } : {}),
      ...(result.oldKeyFile ? { oldKeyFile: shown(result.oldKeyFile) } : {}),
      ms,
    });
    return ExitCode.ok;
  }
  for (const line of report(storeName, result, shown, ms)) out.line(line);
  return ExitCode.ok;
}

function report(store: string, r: RekeyResult, shown: (file: string) => string, ms: number): string[] {
  const lines: string[] = [];
  const what =
    r.outcome === 'finished'
      ? `finished the interrupted rekey of store ${store}: it is encrypted under its new master key (id ${r.newKeyId})`
      : `rekeyed store ${store} (${r.secrets} secret(s), ${ms} ms): it is encrypted under a new master key (id ${r.newKeyId})`;
  lines.push(r.createdAt ? `${what}, in use since ${r.createdAt}` : what);
  if (r.rescueMerged) lines.push(`  the waiting rescue record was laid over the store first (its entries are in the store now)`);
  if (r.mode === 'file') {
    lines.push(`  use ${one(shown(r.keyFile!))}: it holds the new key now (back it up, apart from the store)`);
    lines.push(
      `  the old key (id ${r.oldKeyId}) no longer opens the store; it is kept in ${one(shown(r.oldKeyFile!))} only to open ` +
        'store backups made before now: delete it when those expire',
    );
    lines.push(
      `  CI that sets ${MASTER_KEY_ENV} from the old key file needs the new one: ${MASTER_KEY_ENV}=$(cat ${one(shown(r.keyFile!))})`,
    );
  } else {
    lines.push(
      `  set ${MASTER_KEY_ENV} to the new key (id ${r.newKeyId}) wherever keyturn uses this store: ` +
        `the old key (id ${r.oldKeyId}) no longer opens it`,
    );
  }
  return lines;
}

/** A rotation in flight releases the file lock between its writes: rekeying under it would pull the key from under its feet. */
function refuseLiveLeases(doc: StoreDocument, now: Date): void {
  for (const [name, entry] of Object.entries(doc.secrets)) {
    const lease = entry.lease;
    if (!lease || Date.parse(lease.expiresAt) <= now.getTime() || holderIsDead(lease.owner)) continue;
    throw errors.store(
      `${name} is being rotated (lease held by ${lease.owner} until ${lease.expiresAt}): nothing changed`,
      'run keyturn store rekey again once that rotation has finished',
    );
  }
}

/** The new key of a store keyed by KEYTURN_MASTER_KEY: stdin when it is not a terminal, else typed twice at a hidden prompt. */
async function readNewKey(session: Session): Promise<Buffer> {
  const { ctx } = session;
  const { parseMasterKey } = await import('../../stores/file/master-key.js');
  const hint = 'give 64 hex characters (openssl rand -hex 32) or base64 of 32 bytes';
  let text: string;
  if (!process.stdin.isTTY) {
    text = (await readBoundedStdin(MAX_KEY_INPUT, 'stdin holds more than 4 KiB: that is not a master key')).trim();
    if (!text) throw errors.usage(`no new master key on stdin: ${MASTER_KEY_ENV} is set, so the new key comes from you`, hint);
  } else {
    if (!ctx.prompt.interactive) throw errors.noTty('store rekey', 'answer');
    text = (await ctx.prompt.secret('new master key (hidden): ')).trim();
    if (!text) throw errors.usage('the new master key is empty: nothing changed', hint);
    const again = (await ctx.prompt.secret('the new master key again (hidden): ')).trim();
    if (again !== text) throw errors.usage('the two entries differ: nothing changed');
  }
  ctx.redactor.add(text);
  const key = parseMasterKey(text);
  // never echo the text: it may be a key typed into the wrong place
  if (!key) throw errors.usage('the new master key is not a 32-byte key: nothing changed', hint);
  ctx.redactor.add(key.toString('hex'), key.toString('base64'));
  return key;
}
