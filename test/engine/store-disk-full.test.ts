/**
 * The disk holding the file store fills up at each store call of a rotation (from that call
 * on, every write fails with ENOSPC, as on a real full disk). The run must report what
 * really happened — the outcome, the step it stopped at, the exit code — as the store itself
 * shows it, leave no lock file behind, and the next run (space freed) must finish at once.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Workspace } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';
import type { RotationResult } from '../../src/engine/result.js';

interface Case {
  /** the failpoint that fills the disk */
  point: string;
  exitCode: number;
  outcome: string;
  /** the step the report names (undefined: none failed) */
  step?: string;
  /** which key the store's CURRENT holds after the run */
  current: 'old' | 'new';
  /** whether the new key waits in the store as PENDING */
  pending: boolean;
  /** which key the consumer runs with */
  consumer: 'old' | 'new';
  /** keys alive at the provider */
  alive: Array<'old' | 'new'>;
  /** whether the rotation record already names the new key */
  recorded: boolean;
}

/** outcome, step, then the state: CURRENT, PENDING, consumer, alive at the provider, recorded */
type State = Omit<Case, 'point' | 'exitCode' | 'outcome' | 'step'>;
const at = (point: string, exitCode: number, outcome: string, step: string | undefined, state: State): Case => ({
  point,
  exitCode,
  outcome,
  step,
  ...state,
});
const stopped = (point: string, step: string, state: State) => at(point, 3, 'needs-attention', step, state);
const DONE = { current: 'new', pending: false, consumer: 'new', alive: ['new'], recorded: true } as const;

const CASES: Case[] = [
  // the intent record before create: nothing else has happened
  stopped('store.writeJournal#1', 'create', { current: 'old', pending: false, consumer: 'old', alive: ['old'], recorded: false }),
  // the issuer's key exists but never reached the store: the next run deletes it by its rotation id
  stopped('store.stage', 'stage', { current: 'old', pending: false, consumer: 'old', alive: ['old', 'new'], recorded: false }),
  stopped('store.promote', 'promote', { current: 'old', pending: true, consumer: 'old', alive: ['old', 'new'], recorded: false }),
  // promoted: the store hands out the new key while consumers still run the old one
  stopped('store.writeJournal#2', 'restart', { current: 'new', pending: false, consumer: 'old', alive: ['old', 'new'], recorded: false }),
  // consumers restarted and verified on the new key
  stopped('store.writeJournal#3', 'retire', { current: 'new', pending: false, consumer: 'new', alive: ['old', 'new'], recorded: false }),
  stopped('store.record', 'record', { current: 'new', pending: false, consumer: 'new', alive: ['new'], recorded: false }),
  // done and recorded; only the journal clear or the lease release failed
  at('store.writeJournal#4', 0, 'completed', undefined, { ...DONE, alive: [...DONE.alive] }),
  at('store.releaseLease', 0, 'completed', undefined, { ...DONE, alive: [...DONE.alive] }),
];

describe('store: the disk fills up at each store call of a rotation', function () {
  this.timeout(60_000);
  let seed: Workspace;
  let ws: Workspace;
  let oldKeyId: string;

  // one key rotated once, then each test starts on its own copy of that
  before(async () => {
    seed = await Workspace.create({ keys: 1 });
    const first = await seed.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
  });
  after(async () => seed?.cleanup());
  beforeEach(async () => {
    ws = await copyWorkspace(seed);
    oldKeyId = (await expectSettled(ws, 'key-1')).currentKeyId;
  });
  afterEach(async () => ws?.cleanup());

  for (const c of CASES) {
    it(`full at ${c.point}: reports ${c.outcome}${c.step ? ` at ${c.step}` : ''} (exit ${c.exitCode}), as the store shows`, async () => {
      const run = await ws.run(['rotate', 'key-1', '--yes', '--json'], { KEYTURN_FAILPOINTS: `${c.point}=enospc` });
      expect(run.exitCode, run.stderr).to.equal(c.exitCode);
      const result = (JSON.parse(run.stdout) as { results: RotationResult[] }).results[0]!;
      expect(result.outcome).to.equal(c.outcome);
      expect(result.failedStep).to.equal(c.step);
      if (c.step) expect(result.error).to.match(/ENOSPC \(no space left on device\).*free space/);
      else expect(result.note).to.match(/ENOSPC/);
      const newKeyId = ws
        .providerKeys()
        .map((k) => k.keyId)
        .find((id) => id !== oldKeyId);
      if (newKeyId && result.newKeyId) expect(result.newKeyId).to.equal(newKeyId);
      const id = (which: 'old' | 'new') => (which === 'old' ? oldKeyId : newKeyId);

      const store = await ws.store();
      try {
        const ref = ws.ref('key-1');
        expect((await store.current(ref))?.keyId, 'CURRENT').to.equal(id(c.current));
        expect((await store.pending(ref))?.keyId, 'PENDING').to.equal(c.pending ? newKeyId : undefined);
        expect((await store.rotation(ref)).currentKeyId, 'the rotation record').to.equal(c.recorded ? newKeyId : oldKeyId);
      } finally {
        await store.close();
      }
      expect(ws.consumer('app-1')?.keyId, 'the consumer').to.equal(id(c.consumer));
      expectAliveAtProvider(
        ws,
        c.alive.map((which) => id(which)!),
      );
      expect(existsSync(path.join(ws.dir, 'store.enc.lock')), 'no lock file left behind').to.equal(false);

      // space freed: the next run neither waits on a lock nor loses its way
      const started = Date.now();
      const rerun = await ws.run(['rotate', 'key-1', '--yes']);
      expect(rerun.exitCode, rerun.stderr).to.equal(0);
      expect(Date.now() - started, 'no wait for a stale lock').to.be.below(10_000);
      const settled = await expectSettled(ws, 'key-1');
      expectAliveAtProvider(ws, [settled.currentKeyId]);
      expect((await historyOf(ws, 'key-1')).filter((h) => h.outcome === 'rolled-back')).to.have.length(0);
    });
  }
});
