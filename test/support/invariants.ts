/**
 * The end-state invariants of ARCHITECTURE.md, checked through each party's own surface:
 * the store (labels, journal, lease, history), the provider (which keys are alive) and the
 * consumers (which key they run with).
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Workspace } from './workspace.js';

export interface Settled {
  currentKeyId: string;
  currentSecretSha256: string;
}

/** One key's state is consistent: one CURRENT, no PENDING, no journal, lease free, consumer on CURRENT. */
export async function expectSettled(ws: Workspace, key: string, consumer = `app-${key.split('-')[1]}`): Promise<Settled> {
  const store = await ws.store();
  try {
    const ref = ws.ref(key);
    const current = await store.current(ref);
    expect(current, `${key} has a CURRENT version`).to.not.equal(undefined);
    expect(await store.pending(ref), `${key} has no PENDING version`).to.equal(undefined);
    expect(await store.journal(ref), `${key} has no journal`).to.equal(undefined);
    const probe = await store.lease(ref, 'invariant-probe', 1000);
    await probe.release();
    const record = await store.rotation(ref);
    expect(record.currentKeyId).to.equal(current!.keyId);
    expect(record.attention, `${key} needs no attention`).to.equal(undefined);
    const secretSha256 = sha256(current!.material.secret!);
    const running = ws.consumer(consumer);
    expect(running?.keyId, `${consumer} runs with CURRENT`).to.equal(current!.keyId);
    expect(running?.secretSha256, `${consumer} got CURRENT's secret`).to.equal(secretSha256);
    return { currentKeyId: current!.keyId, currentSecretSha256: secretSha256 };
  } finally {
    await store.close();
  }
}

/** The provider holds exactly these keys alive. */
export function expectAliveAtProvider(ws: Workspace, keyIds: string[]): void {
  expect(
    ws
      .providerKeys()
      .map((k) => k.keyId)
      .sort(),
  ).to.deep.equal([...keyIds].sort());
}

export async function historyOf(ws: Workspace, key: string) {
  const store = await ws.store();
  try {
    return await store.history(ws.ref(key));
  } finally {
    await store.close();
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
