/**
 * keyturn store put STORE PATH [--field NAME…]: put a credential keyturn does not rotate (an
 * issuer's admin credential, Binance's management key) into a store. The fields come as one
 * JSON object on stdin, or, on a terminal, each at a hidden prompt: never from argv, which
 * anyone on the machine can read. A path that a key of rotation.yaml rotates is refused: its
 * versions belong to the rotation engine.
 *
 * keyturn store list STORE: the paths of a file store and the field names of each CURRENT
 * version, never a value.
 *
 * keyturn store rekey STORE: re-encrypt a file store under a new master key (./store-rekey.ts).
 */
import path from 'node:path';
import type { Config } from '../../config/types.js';
import { newRotationId } from '../../context.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import type { KeyMaterial } from '../../model.js';
import { terminalValue as one } from '../../log/terminal-text.js';
import type { GlobalOptions } from '../options.js';
import { withSession, type Session } from '../session.js';
import { readBoundedStdin } from '../stdin.js';

export interface StoreArgs extends GlobalOptions {
  action: 'put' | 'list' | 'rekey';
  store: string;
  path?: string;
  field?: string[];
}

const MAX_STDIN = 1 << 20;

export async function run(argv: StoreArgs): Promise<ExitCodeValue> {
  return withSession(argv, async (session) => {
    if (!Object.hasOwn(session.config.stores, argv.store)) {
      const declared = Object.keys(session.config.stores).join(', ') || 'none';
      throw errors.usage(`no store named ${argv.store} in ${session.config.file}`, `declared stores: ${declared}`);
    }
    if (argv.action === 'rekey') {
      // never echoed: it may be a key someone tried to pass on the command line
      if (argv.path !== undefined) {
        throw errors.usage(
          'store rekey takes nothing after the store: it re-encrypts the whole store, and a new key never comes from the command line',
          'KEYTURN_MASTER_KEY stores: pipe the new key on stdin, or type it at the prompt',
        );
      }
      return (await import('./store-rekey.js')).rekey(session, argv.store);
    }
    return argv.action === 'put' ? put(session, argv) : list(session, argv.store);
  });
}

/** The fields an issuer reads from this path, when one does (so the operator need not name them). */
export function expectedFields(config: Config, store: string, where: string): string[] | undefined {
  for (const issuer of Object.values(config.issuers)) {
    const o = issuer.options;
    const at = (ref: unknown) => {
      const r = ref as { store?: unknown; path?: unknown } | undefined;
      return r?.store === store && r?.path === where;
    };
    if (issuer.type === 'postgres' && at(o.admin)) return ['username', 'password'];
    if (issuer.type === 'binance' && at(o.managementKey)) return ['apiKey', 'secret'];
  }
  return undefined;
}

async function put(session: Session, argv: StoreArgs): Promise<ExitCodeValue> {
  const { config, ctx, out } = session;
  const where = argv.path;
  if (!where) throw errors.usage('name the path: keyturn store put STORE PATH');
  const rotated = config.keys.find((k) => k.store === argv.store && k.path === where);
  if (rotated) {
    throw errors.usage(
      `${argv.store}:${where} holds key ${rotated.id}, which keyturn rotates: store put never overwrites it`,
      `rotate it with keyturn rotate ${rotated.id}`,
    );
  }
  const named = argv.field?.length ? [...new Set(argv.field)] : undefined;
  const fields = named ?? expectedFields(config, argv.store, where);
  let material: KeyMaterial;
  if (!process.stdin.isTTY) {
    material = parseMaterial(await readBoundedStdin(MAX_STDIN, 'stdin holds more than 1 MiB: that is not a credential'), ctx.redactor);
    const missing = (fields ?? []).filter((f) => !Object.hasOwn(material, f));
    if (missing.length) throw errors.usage(`the JSON on stdin lacks the field(s) ${missing.join(', ')}`, `expected ${fields!.join(', ')}`);
  } else {
    if (!fields) {
      throw errors.usage(
        `no issuer reads ${argv.store}:${where}, so keyturn cannot know its fields`,
        'name them: --field username --field password (or pipe the JSON object on stdin)',
      );
    }
    if (!ctx.prompt.interactive) throw errors.noTty('store put', 'answer');
    material = {};
    for (const field of fields) {
      const value = await ctx.prompt.secret(`${field} (hidden): `);
      if (!value) throw errors.usage(`${field} is empty: nothing was stored`);
      material[field] = value;
    }
  }
  const store = await session.res.store(argv.store);
  const ref = { store: argv.store, path: where, key: `${argv.store}:${where}` };
  const rotationId = newRotationId(ctx.clock);
  const lease = await store.lease(ref, `keyturn store put (${ctx.actor})`, 60_000);
  try {
    await store.stage(ref, rotationId, { keyId: `put:${rotationId}`, material, meta: { source: 'keyturn store put', actor: ctx.actor } });
    await store.promote(ref, rotationId);
  } finally {
    await lease.release().catch(() => undefined);
  }
  const names = Object.keys(material).join(', ');
  if (session.options.json) out.json({ store: argv.store, path: where, fields: Object.keys(material), version: rotationId });
  else out.line(`stored ${names} at ${store.describe(ref)} (version ${rotationId})`);
  return ExitCode.ok;
}

function parseMaterial(text: string, redactor: Session['ctx']['redactor']): KeyMaterial {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // the text may be a secret typed by mistake: never echo it
    throw errors.usage('stdin is not one JSON object', 'pipe e.g. {"username": "...", "password": "..."}');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw errors.usage('stdin is not one JSON object of fields');
  const material: KeyMaterial = {};
  for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string' || v === '') throw errors.usage(`field ${field} must be a non-empty string`);
    redactor.add(v);
    material[field] = v;
  }
  if (!Object.keys(material).length) throw errors.usage('the JSON object on stdin has no fields');
  return material;
}

async function list(session: Session, storeName: string): Promise<ExitCodeValue> {
  const { config, out } = session;
  const declared = config.stores[storeName]!;
  if (declared.type !== 'file') {
    throw errors.usage(`store list reads the embedded file store only; ${storeName} is ${declared.type}`, 'use that store’s own tools');
  }
  const { StateFile } = await import('../../stores/file/state-file.js');
  const { MasterKeySource } = await import('../../stores/file/master-key.js');
  const options = declared.options as { path: string; masterKeyFile?: string };
  const file = path.resolve(config.dir, options.path);
  const keyFile = path.resolve(config.dir, options.masterKeyFile ?? path.join(path.dirname(options.path), 'master.key'));
  const doc = await new StateFile(file, new MasterKeySource({ env: process.env, keyFile, storeFile: file })).read();
  const rotatedBy = new Map(config.keys.filter((k) => k.store === storeName).map((k) => [k.path, k.id]));
  const rows = Object.entries(doc.secrets)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([where, entry]) => {
      const currentId = entry.labels.CURRENT;
      const current = currentId === undefined ? undefined : entry.versions.find((v) => v.rotationId === currentId);
      return { path: where, fields: current ? Object.keys(current.material) : [], rotatedKey: rotatedBy.get(where) };
    });
  if (session.options.json) {
    out.json(rows);
    return ExitCode.ok;
  }
  if (!rows.length) out.line(`${storeName}: empty`);
  for (const row of rows) {
    const what = row.rotatedKey ? `key ${one(row.rotatedKey)}` : 'not rotated by keyturn';
    out.line(`${one(row.path)}  fields: ${row.fields.map(one).join(', ') || '(no CURRENT version)'}  (${what})`);
  }
  return ExitCode.ok;
}
