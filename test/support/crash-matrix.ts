/**
 * The kill -9 matrix every store runs, as the store contract is (test/stores/contract.ts): a
 * process killed with SIGKILL at any step of a rotation, then run again, reaches the same end
 * state as a run never interrupted: the key rotated once more, one CURRENT, no PENDING, no
 * journal, the lease free, the consumer on the new key, at the provider only the new key
 * alive, and the store's own surface agreeing (each store says how it checks that).
 *
 * A store's test file calls crashMatrix(name, open), where open() makes a fresh workspace
 * (test/support/workspace.ts, with rotation.yaml's `local` store on that backend). Every case
 * starts from a key rotated once through the CLI. A store whose workspace can be copied (fork())
 * has that first rotation made once, in before(), and each case gets its own copy of the
 * rotated workspace, sharing nothing with the seed or another case; without fork() each case
 * opens a workspace and rotates it itself.
 */
import { expect } from 'chai';
import { expectAliveAtProvider, expectSettled, historyOf, type Settled } from './invariants.js';
import type { Workspace } from './workspace.js';

/** Every step's failpoints, and the store calls of the two steps that write it (through the adapter wrapper). */
export const CRASH_POINTS: readonly string[] = [
  'lock:before',
  'create:before',
  'create:after',
  'stage:before',
  'store.stage',
  'stage:after',
  'promote:before',
  'store.promote',
  'promote:after',
  'restart:before',
  'restart:after',
  'verify:before',
  'verify:after',
  'retire:before',
  'retire:after',
  'record:before',
  'record:after',
  'unlock:after',
];

export interface CrashWorkspace {
  ws: Workspace;
  /** The store, read through its own surface (not keyturn's), agrees with the settled state of `key`. */
  expectStoreSettled?(key: string, settled: Settled): Promise<void>;
  cleanup(): Promise<void>;
  /**
   * A new workspace whose store, provider and consumers are a copy of this one's as they are
   * now, independent of it (its own folder, store and cleanup): a case starting from it starts
   * exactly where this workspace is.
   */
  fork?(): Promise<CrashWorkspace>;
}

export interface CrashMatrixOptions {
  /** the failpoints to kill at (default: all of CRASH_POINTS) */
  points?: readonly string[];
  /** per test, ms (default 90 s) */
  timeout?: number;
}

export function crashMatrix(name: string, open: () => Promise<CrashWorkspace>, options: CrashMatrixOptions = {}): void {
  describe(`engine: SIGKILL at each step, then a rerun (${name})`, function () {
    this.timeout(options.timeout ?? 90_000);
    let opened: CrashWorkspace | undefined;
    let ws: Workspace;
    let initial: string;
    /** the workspace rotated once, which each case copies (when the store can fork) */
    let seed: CrashWorkspace | undefined;

    /** a fresh workspace with key-1 rotated once through the CLI */
    async function rotatedOnce(): Promise<CrashWorkspace> {
      const fresh = await open();
      try {
        const first = await fresh.ws.run(['rotate', '--all', '--yes']);
        expect(first.exitCode, first.stderr).to.equal(0);
        return fresh;
      } catch (error) {
        await fresh.cleanup();
        throw error;
      }
    }

    /** a copy of the seed, or (a store that cannot fork) a workspace of its own rotated once */
    async function startingPoint(): Promise<CrashWorkspace> {
      if (seed) return seed.fork!();
      const rotated = await rotatedOnce();
      if (!rotated.fork) return rotated;
      // the first case's rotated workspace becomes the seed: it and every later case run on copies
      seed = rotated;
      return seed.fork!();
    }

    beforeEach(async () => {
      opened = await startingPoint();
      ws = opened.ws;
      initial = (await expectSettled(ws, 'key-1')).currentKeyId;
    });
    afterEach(async () => {
      await opened?.cleanup();
      opened = undefined;
    });
    after(async () => {
      await seed?.cleanup();
      seed = undefined;
    });

    /** The key rotated past `initial` and everything agrees on its CURRENT. */
    async function expectRotatedAndSettled(): Promise<Settled> {
      const settled = await expectSettled(ws, 'key-1');
      expect(settled.currentKeyId).to.not.equal(initial);
      expectAliveAtProvider(ws, [settled.currentKeyId]);
      await opened!.expectStoreSettled?.('key-1', settled);
      return settled;
    }

    it('an uninterrupted run: the reference end state', async () => {
      const result = await ws.run(['rotate', 'key-1', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      await expectRotatedAndSettled();
      expect((await historyOf(ws, 'key-1')).map((h) => h.outcome)).to.deep.equal(['completed', 'completed']);
    });

    for (const point of options.points ?? CRASH_POINTS) {
      it(`killed at ${point}`, async () => {
        const killed = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: `${point}=kill` });
        expect(killed.signal, `the run was killed at ${point}: ${killed.stderr}`).to.equal('SIGKILL');

        const rerun = await ws.run(['rotate', 'key-1', '--yes']);
        expect(rerun.exitCode, rerun.stderr).to.equal(0);
        await expectRotatedAndSettled();
        const completed = (await historyOf(ws, 'key-1')).filter((h) => h.outcome === 'completed');
        // the first rotation and the interrupted one, finished by the rerun; killed after
        // unlock, the interrupted run had finished, so the rerun (naming the key) rotates anew
        const expected = point === 'unlock:after' ? 3 : 2;
        expect(completed).to.have.length(expected);
        expect(new Set(completed.map((h) => h.rotationId)).size).to.equal(expected);
      });
    }

    it('the monthly run (--due) finishes a rotation a crash interrupted, even on a key not due', async () => {
      const killed = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: 'restart:before=kill' });
      expect(killed.signal, killed.stderr).to.equal('SIGKILL');
      const status = JSON.parse((await ws.run(['status', '--json'])).stdout);
      expect(status.keys[0].state).to.equal('in flight');
      const plan = await ws.run(['plan', '--due']);
      expect(plan.stdout).to.match(/an interrupted rotation to finish/);
      const due = await ws.run(['rotate', '--due', '--yes']);
      expect(due.exitCode, due.stderr).to.equal(0);
      await expectRotatedAndSettled();
    });
  });
}
