/**
 * selectKeys: which keys a command works on (named keys, --due, --all, --owner, --tag, and
 * the filters combined), why each was picked and the trigger its rotation records. Configs
 * go through loadConfig as an operator's file would; `now` is always passed explicitly.
 */
import { expect } from 'chai';
import type { Config } from '../../src/config/types.js';
import { KeyturnError } from '../../src/errors.js';
import { describeSelection, isEmptySelection, selectKeys, type Selected, type Selection } from '../../src/plan/select.js';
import { TempDir } from '../config/helpers.js';

/** The store's rotation record, as selectKeys takes it. */
type RotationRecord = Parameters<typeof selectKeys>[2] extends Map<string, infer R> ? R : never;

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString();

// alice holds `reader` directly and `webhook` through team ops (she lists the team);
// dave holds `webhook` through team ops (the team lists him); carol holds `bot` through team trading;
// bob holds `webhook` and `signing` directly; erin holds nothing.
const YAML = `version: 1
stores:
  local: { type: file, path: store.enc }
issuers:
  tokens: { type: random }
people:
  alice: { name: Alice, teams: [ops] }
  bob: { name: Bob }
  carol: { name: Carol }
  dave: { name: Dave }
  erin: { name: Erin }
teams:
  ops: { members: [dave] }
  trading: { members: [carol] }
keys:
  - id: bot
    purpose: trades spot
    issuer: tokens
    period: 30d
    holders: [team:trading]
    tags: [trading, exchange]
  - id: reader
    purpose: reads market data
    issuer: tokens
    period: 90d
    holders: [alice]
    tags: [data]
  - id: webhook
    purpose: signs webhooks
    issuer: tokens
    period: 30d
    holders: [team:ops, bob]
    tags: [trading]
  - id: signing
    purpose: signs releases
    issuer: tokens
    tier: normal
    holders: [bob]
`;

/** bot overdue (31 of 30 days), reader not due (10 of 90), webhook never rotated, signing overdue on its tier (91 of 90). */
function records(): Map<string, RotationRecord> {
  return new Map<string, RotationRecord>([
    ['bot', { lastRotatedAt: daysAgo(31), currentKeyId: 'bot-1' }],
    ['reader', { lastRotatedAt: daysAgo(10), currentKeyId: 'reader-1' }],
    ['signing', { lastRotatedAt: daysAgo(91), currentKeyId: 'signing-1' }],
  ]);
}

/** [key id, trigger, why] of each selected key, in order. */
const rows = (selected: Selected[]): Array<[string, string, string]> => selected.map((s) => [s.key.id, s.trigger, s.why]);
const ids = (selected: Selected[]): string[] => selected.map((s) => s.key.id);

describe('plan: selectKeys', () => {
  const tmp = new TempDir();
  let config: Config;

  before(async () => {
    await tmp.create();
    config = (await tmp.load(YAML)).config;
  });
  after(() => tmp.remove());

  const select = (selection: Selection, inFlight: string[] = []): Selected[] =>
    selectKeys(config, selection, records(), NOW, new Set(inFlight));

  describe('named keys', () => {
    it('selects exactly the named keys, in command-line order, due or not, as a manual rotation', () => {
      expect(rows(select({ keys: ['reader', 'bot'] }))).to.deep.equal([
        ['reader', 'manual', 'named on the command line'],
        ['bot', 'manual', 'named on the command line'],
      ]);
    });

    it('a key named twice is selected once (two lanes of one run would rotate it at the same time)', () => {
      expect(rows(select({ keys: ['bot', 'reader', 'bot'] }))).to.deep.equal([
        ['bot', 'manual', 'named on the command line'],
        ['reader', 'manual', 'named on the command line'],
      ]);
    });

    it('refuses an unknown key with EUNKNOWNKEY (exit 2), naming it', () => {
      expect(() => select({ keys: ['bot', 'nope'] }))
        .to.throw(KeyturnError, /nope/)
        .and.include({ code: 'EUNKNOWNKEY', exitCode: 2 });
    });

    it('a named key that is in flight is selected for being named, not as an interrupted rotation', () => {
      expect(rows(select({ keys: ['reader'] }, ['reader']))).to.deep.equal([['reader', 'manual', 'named on the command line']]);
    });
  });

  describe('--due', () => {
    it('selects the overdue and never-rotated keys, in file order, with trigger due and when each became due', () => {
      expect(rows(select({ due: true }))).to.deep.equal([
        ['bot', 'due', `due since ${new Date(Date.parse(daysAgo(31)) + 30 * DAY).toISOString()}`],
        ['webhook', 'due', 'never rotated'],
        ['signing', 'due', `due since ${new Date(Date.parse(daysAgo(91)) + 90 * DAY).toISOString()}`],
      ]);
    });

    it('an empty selection means --due (the same keys, the same trigger)', () => {
      expect(isEmptySelection({})).to.equal(true);
      expect(describeSelection({})).to.equal('--due');
      expect(rows(select({}))).to.deep.equal(rows(select({ due: true })));
    });

    it('picks up an in-flight key that is not due, to finish the interrupted rotation', () => {
      const selected = select({ due: true }, ['reader']);
      expect(ids(selected)).to.deep.equal(['bot', 'reader', 'webhook', 'signing']);
      expect(selected.find((s) => s.key.id === 'reader')).to.deep.include({ trigger: 'due', why: 'an interrupted rotation to finish' });
    });

    it('an in-flight key that is also due is selected once, as an interrupted rotation', () => {
      const selected = select({ due: true }, ['bot']);
      expect(ids(selected)).to.deep.equal(['bot', 'webhook', 'signing']);
      expect(selected[0]).to.deep.include({ trigger: 'due', why: 'an interrupted rotation to finish' });
    });

    it('selects nothing when nothing is due and nothing is in flight', () => {
      const fresh = new Map(config.keys.map((k) => [k.id, { lastRotatedAt: daysAgo(1) } as RotationRecord]));
      expect(selectKeys(config, { due: true }, fresh, NOW)).to.deep.equal([]);
    });

    it('with named keys, keeps only the named keys that are due, as a manual rotation', () => {
      expect(rows(select({ keys: ['reader', 'bot'], due: true }))).to.deep.equal([
        ['bot', 'manual', `due since ${new Date(Date.parse(daysAgo(31)) + 30 * DAY).toISOString()}; named on the command line`],
      ]);
    });
  });

  describe('--all', () => {
    it('selects every key in file order, due or not, as a manual rotation', () => {
      expect(rows(select({ all: true }))).to.deep.equal([
        ['bot', 'manual', '--all'],
        ['reader', 'manual', '--all'],
        ['webhook', 'manual', '--all'],
        ['signing', 'manual', '--all'],
      ]);
    });

    it('with --tag, selects every key with the tag and says why by the tag', () => {
      expect(rows(select({ all: true, tag: 'trading' }))).to.deep.equal([
        ['bot', 'manual', 'tagged trading'],
        ['webhook', 'manual', 'tagged trading'],
      ]);
    });
  });

  describe('--owner', () => {
    it('selects a person’s keys held directly and through a team they list, whatever their due dates', () => {
      expect(rows(select({ owner: 'alice' }))).to.deep.equal([
        ['reader', 'manual', 'held by alice directly'],
        ['webhook', 'manual', 'held by alice through team:ops'],
      ]);
    });

    it('selects keys held through a team that lists the person as a member', () => {
      expect(rows(select({ owner: 'dave' }))).to.deep.equal([['webhook', 'manual', 'held by dave through team:ops']]);
      expect(rows(select({ owner: 'carol' }))).to.deep.equal([['bot', 'manual', 'held by carol through team:trading']]);
    });

    it('a person holding several keys directly gets each of them', () => {
      expect(ids(select({ owner: 'bob' }))).to.deep.equal(['webhook', 'signing']);
    });

    it('a known person who holds nothing selects nothing', () => {
      expect(select({ owner: 'erin' })).to.deep.equal([]);
    });

    it('refuses an unknown person with EUNKNOWNPERSON (exit 2)', () => {
      expect(() => select({ owner: 'mallory' }))
        .to.throw(KeyturnError, /mallory/)
        .and.include({ code: 'EUNKNOWNPERSON', exitCode: 2 });
    });
  });

  describe('--tag', () => {
    it('selects exactly the keys carrying the tag, whatever their due dates, as a manual rotation', () => {
      expect(rows(select({ tag: 'trading' }))).to.deep.equal([
        ['bot', 'manual', 'tagged trading'],
        ['webhook', 'manual', 'tagged trading'],
      ]);
      expect(rows(select({ tag: 'data' }))).to.deep.equal([['reader', 'manual', 'tagged data']]);
    });

    it('matches a whole tag, not a piece of one or a key id', () => {
      expect(select({ tag: 'trad' })).to.deep.equal([]);
      expect(select({ tag: 'bot' })).to.deep.equal([]);
    });
  });

  describe('filters combined', () => {
    it('--due --tag: the due keys with the tag, trigger due', () => {
      expect(rows(select({ due: true, tag: 'trading' }))).to.deep.equal([
        ['bot', 'due', `due since ${new Date(Date.parse(daysAgo(31)) + 30 * DAY).toISOString()}; tagged trading`],
        ['webhook', 'due', 'never rotated; tagged trading'],
      ]);
      expect(select({ due: true, tag: 'data' })).to.deep.equal([]);
    });

    it('--due --tag picks up an in-flight key only if it carries the tag', () => {
      expect(ids(select({ due: true, tag: 'data' }, ['reader', 'signing']))).to.deep.equal(['reader']);
    });

    it('--owner --tag: the person’s keys with the tag, both reasons given', () => {
      expect(rows(select({ owner: 'bob', tag: 'trading' }))).to.deep.equal([['webhook', 'manual', 'held by bob directly; tagged trading']]);
      expect(select({ owner: 'alice', tag: 'exchange' })).to.deep.equal([]);
    });

    it('--owner --due: the person’s due keys, trigger due', () => {
      expect(rows(select({ owner: 'bob', due: true }))).to.deep.equal([
        ['webhook', 'due', 'never rotated; held by bob directly'],
        ['signing', 'due', `due since ${new Date(Date.parse(daysAgo(91)) + 90 * DAY).toISOString()}; held by bob directly`],
      ]);
    });

    it('named keys with --tag: only the named keys carrying the tag', () => {
      expect(rows(select({ keys: ['reader', 'webhook', 'bot'], tag: 'trading' }))).to.deep.equal([
        ['webhook', 'manual', 'named on the command line; tagged trading'],
        ['bot', 'manual', 'named on the command line; tagged trading'],
      ]);
    });

    it('describeSelection names every filter as the operator wrote it', () => {
      expect(describeSelection({ keys: ['bot'], due: true, owner: 'bob', tag: 'trading' })).to.equal('bot --due --owner bob --tag trading');
      expect(describeSelection({ all: true })).to.equal('--all');
    });
  });
});
