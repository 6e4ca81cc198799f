/**
 * Reading and writing the state secret (state.ts) of one managed secret: GetSecretValue of its
 * AWSCURRENT; the first document with CreateSecret; every later one with PutSecretValue under
 * the successor of the version it replaces, a compare-and-set in one call. A lost race answers
 * StateConflict: the caller reads again and decides (retry, or its lease is gone).
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsErrorName } from '../../aws/client-config.js';
import { errors } from '../../errors.js';
import { archiveName, genesisOf, parseState, serialize, STATE_BUDGET_BYTES, stateName, successorOf, type StateDoc } from './state.js';
import type { HistoryEntry } from '../../model.js';

export class StateConflict extends Error {
  constructor(name: string) {
    super(`the state of ${name} changed while it was written`);
    this.name = 'StateConflict';
  }
}

export interface ReadState {
  /** undefined: the state secret does not exist yet */
  versionId?: string;
  doc: StateDoc;
}

/** A managed secret's AWSCURRENT value as read with the state (never logged: it is the key). */
export interface CurrentValue {
  versionId: string;
  text: string | undefined;
  createdAt: string;
}

const STATE_TAG = { Key: 'keyturn:state', Value: 'true' };

export class StateSecrets {
  constructor(private readonly client: SecretsManagerClient) {}

  /** The state's AWSCURRENT document, or undefined when keyturn never wrote one. */
  async read(secretName: string): Promise<ReadState | undefined> {
    const name = stateName(secretName);
    let out;
    try {
      out = await this.client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    return { versionId: out.VersionId, doc: this.parse(out.SecretString, secretName) };
  }

  /**
   * The state and the managed secret's AWSCURRENT in one BatchGetSecretValue: a lease is followed
   * by reading the old key, so taking it costs no extra call for that read.
   */
  async readWithCurrent(secretName: string): Promise<{ state?: ReadState; current?: CurrentValue }> {
    const name = stateName(secretName);
    const out = await this.client.send(new BatchGetSecretValueCommand({ SecretIdList: [name, secretName] }));
    for (const e of out.Errors ?? []) {
      if (e.ErrorCode !== 'ResourceNotFoundException') {
        throw errors.store(`reading ${e.SecretId} failed: ${e.ErrorCode ?? 'error'}${e.Message ? ` (${e.Message})` : ''}`);
      }
    }
    const result: { state?: ReadState; current?: CurrentValue } = {};
    for (const v of out.SecretValues ?? []) {
      if (v.Name === name) result.state = { versionId: v.VersionId, doc: this.parse(v.SecretString, secretName) };
      else if (v.Name === secretName && v.VersionId)
        result.current = { versionId: v.VersionId, text: v.SecretString, createdAt: (v.CreatedDate ?? new Date(0)).toISOString() };
    }
    return result;
  }

  parse(text: string | undefined, secretName: string): StateDoc {
    const doc = parseState(text, secretName);
    if (!doc)
      throw errors.store(
        `${stateName(secretName)} does not hold keyturn state keyturn can read`,
        'it holds the lease, journal and history of the secret: restore it from its AWSPREVIOUS version, do not delete it',
      );
    return doc;
  }

  /** Write `doc` as the successor of `versionId`; returns the new version id. */
  async write(secretName: string, versionId: string | undefined, doc: StateDoc): Promise<string> {
    const name = stateName(secretName);
    let text = serialize(doc);
    while (Buffer.byteLength(text) > STATE_BUDGET_BYTES && doc.history.length > 1) {
      doc = await this.archive(secretName, doc);
      text = serialize(doc);
    }
    try {
      if (versionId === undefined) {
        const token = genesisOf(secretName);
        await this.client.send(
          new CreateSecretCommand({
            Name: name,
            ClientRequestToken: token,
            SecretString: text,
            Description: `keyturn's lease, journal and history for ${secretName}: keep it, do not edit it`,
            Tags: [STATE_TAG],
          }),
        );
        return token;
      }
      const token = successorOf(versionId);
      await this.client.send(
        new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: text, VersionStages: ['AWSCURRENT'] }),
      );
      return token;
    } catch (error) {
      if (awsErrorName(error) === 'ResourceExistsException') throw new StateConflict(name);
      throw error;
    }
  }

  /** The older half of the history, into a new archive secret (written once, never changed). */
  private async archive(secretName: string, doc: StateDoc): Promise<StateDoc> {
    const n = doc.archives + 1;
    const half = Math.max(1, Math.floor(doc.history.length / 2));
    const moved = doc.history.slice(0, half);
    const text = JSON.stringify({ v: 1, secret: secretName, history: moved });
    try {
      await this.client.send(new CreateSecretCommand({ Name: archiveName(secretName, n), SecretString: text, Tags: [STATE_TAG] }));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceExistsException') throw error;
      // an earlier attempt made it; its state write lost a race: what it holds must be what we move
      const earlier = await this.readArchive(secretName, n);
      if (JSON.stringify(earlier) !== JSON.stringify(moved)) throw new StateConflict(stateName(secretName));
    }
    return { ...doc, history: doc.history.slice(half), archives: n };
  }

  async readArchive(secretName: string, n: number): Promise<HistoryEntry[]> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: archiveName(secretName, n), VersionStage: 'AWSCURRENT' }));
    const parsed = JSON.parse(out.SecretString ?? '{}') as { history?: HistoryEntry[] };
    return parsed.history ?? [];
  }

  /** Every history entry of a secret, archives first. */
  async fullHistory(secretName: string, doc: StateDoc): Promise<HistoryEntry[]> {
    const older: HistoryEntry[] = [];
    for (let n = 1; n <= doc.archives; n += 1) older.push(...(await this.readArchive(secretName, n)));
    return [...older, ...doc.history];
  }
}
