/**
 * DescribeSecret results remembered only while this process holds the secret's lease: then no
 * other keyturn run writes the secret, so our own writes are the only changes, and the cache
 * follows them instead of re-reading. Tag writes are applied exactly (a tag is a key/value).
 * PutSecretValue(AWSPENDING) is applied too (AWS moves the label to the new version), and so is
 * an UpdateSecretVersionStage that succeeded, with the AWSPREVIOUS move AWS documents for it.
 * A failed write forgets the entry: its outcome is unknown. Entries never outlive the lease.
 */
import type { TagPair, Tags } from './tags.js';

export interface Described {
  exists: boolean;
  stages: Map<string, string[]>;
  tags: Tags;
  rotationEnabled: boolean;
}

interface Entry {
  d: Described;
  stagesKnown: boolean;
}

export class DescribeCache {
  /** secret name → our lease token and its expiry (ms) */
  private readonly held = new Map<string, { token: string; until: number }>();
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** A new lease starts from a fresh DescribeSecret: nothing read before it is trusted. */
  hold(name: string, token: string, until: number): void {
    const was = this.held.get(name);
    if (was?.token !== token) this.entries.delete(name);
    this.held.set(name, { token, until });
  }

  /** Our lease `token` ended (released or lost); a newer lease of ours on the same secret stays. */
  drop(name: string, token: string): void {
    if (this.held.get(name)?.token !== token) return;
    this.held.delete(name);
    this.entries.delete(name);
  }

  get(name: string, needStages: boolean): Described | undefined {
    const h = this.held.get(name);
    if (!h || h.until <= this.now()) {
      this.entries.delete(name);
      return undefined;
    }
    const e = this.entries.get(name);
    return e && (e.stagesKnown || !needStages) ? e.d : undefined;
  }

  remember(name: string, d: Described): void {
    if (this.held.has(name)) this.entries.set(name, { d, stagesKnown: true });
  }

  forget(name: string): void {
    this.entries.delete(name);
  }

  tagged(name: string, pairs: TagPair[]): void {
    this.update(name, (d) => ({ ...d, exists: true, tags: new Map([...d.tags, ...pairs.map((p) => [p.Key, p.Value] as const)]) }));
  }

  untagged(name: string, keys: string[]): void {
    const gone = new Set(keys);
    this.update(name, (d) => ({ ...d, tags: new Map([...d.tags].filter(([k]) => !gone.has(k))) }));
  }

  staged(name: string, versionId: string): void {
    this.update(name, (d) => {
      const stages = new Map([...d.stages].map(([id, labels]) => [id, labels.filter((l) => l !== 'AWSPENDING')] as [string, string[]]));
      stages.set(versionId, ['AWSPENDING']);
      return { ...d, stages };
    });
  }

  /**
   * UpdateSecretVersionStage succeeded: apply it as AWS documents it. The label leaves `from` and
   * goes to `to`; "whenever you move AWSCURRENT, Secrets Manager automatically moves the label
   * AWSPREVIOUS to the version that AWSCURRENT was removed from" (UpdateSecretVersionStage).
   */
  labelsMoved(name: string, label: string, to: string | undefined, from: string | undefined): void {
    this.update(name, (d) => {
      const stages = new Map([...d.stages].map(([id, labels]) => [id, labels.filter((l) => l !== label)] as [string, string[]]));
      if (to) stages.set(to, [...(stages.get(to) ?? []), label]);
      if (label === 'AWSCURRENT' && from && to) {
        for (const [id, labels] of stages)
          stages.set(
            id,
            labels.filter((l) => l !== 'AWSPREVIOUS'),
          );
        stages.set(from, [...(stages.get(from) ?? []), 'AWSPREVIOUS']);
      }
      // versions left without a label are deprecated: AWS no longer lists them
      for (const [id, labels] of stages) if (labels.length === 0) stages.delete(id);
      return { ...d, stages };
    });
  }

  /** Which of `keys` the secret may hold: all of them when we do not know its tags. */
  present(name: string, keys: string[]): string[] {
    const d = this.get(name, false);
    return d ? keys.filter((k) => d.tags.has(k)) : keys;
  }

  private update(name: string, f: (d: Described) => Described): void {
    const e = this.entries.get(name);
    // copy on write: a caller holding an older snapshot keeps it unchanged
    if (e) this.entries.set(name, { d: f(e.d), stagesKnown: e.stagesKnown });
  }
}
