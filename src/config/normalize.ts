/**
 * The raw file (schema-valid, references checked) → the Config model the rest of keyturn
 * uses: defaults applied, durations in milliseconds, commands as argv, restart and health
 * checks as tagged unions, team membership complete in both directions.
 * Issuer and store options stay as written beside the typed settings their types parsed
 * (src/config/adapter-options.ts), and each key gets the typed spec its issuer type parsed.
 *
 * Runs once per key of files with 10,000 keys, so it builds each object once and takes
 * over the raw arrays and maps (the raw data is discarded afterwards) instead of copying.
 */
import type { AdapterConfig } from '../adapters/settings.js';
import { parseDuration } from './duration.js';
import type {
  RawCheck,
  RawCommand,
  RawConfig,
  RawConsumer,
  RawFleet,
  RawHealth,
  RawNamed,
  RawRestart,
  RawRestrictions,
} from './raw-types.js';
import { resolveIssuer, resolveStore } from './references.js';
import { scheduleOf } from './window-syntax.js';
import type {
  CheckConfig,
  Config,
  ConsumerConfig,
  Defaults,
  FleetConfig,
  HealthSpec,
  KeyConfig,
  Person,
  Restrictions,
  RestartSpec,
  SourcePosition,
  Team,
} from './types.js';

export const DEFAULTS = {
  overlap: '0s',
  consumerTimeout: '30s',
  leaseTtl: '15m',
  concurrency: 4,
  health: { expectStatus: 200, timeout: '5s', retries: 3, interval: '1s' },
  webhookEvents: ['failure', 'attention', 'summary'],
  fleet: { schema: 'pgboss', expireAfter: '15m', retryLimit: 5, retryDelay: '30s', schedule: '*/15 * * * *' },
} as const;

export interface FileFacts {
  /** absolute path */
  file: string;
  /** the path as the caller gave it: what positions and messages show */
  shownAs: string;
  dir: string;
  hash: string;
}

/** Milliseconds of a duration the schema has accepted (its pattern rules out overflow). */
function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`internal: schema-valid duration ${JSON.stringify(text)} did not parse`);
  return value;
}

/** What the adapter types parsed at load: settings by store and issuer name, specs by key index. */
export interface Parsed {
  stores: Map<string, unknown>;
  issuers: Map<string, unknown>;
  specs: unknown[];
}

export function normalize(
  raw: RawConfig,
  facts: FileFacts,
  keyPosition: (index: number) => { line: number; column: number },
  parsed: Parsed,
): Config {
  const rawDefaults = raw.defaults ?? {};
  const defaults: Defaults = {
    overlapMs: ms(rawDefaults.overlap ?? DEFAULTS.overlap),
    consumerTimeoutMs: ms(rawDefaults.consumerTimeout ?? DEFAULTS.consumerTimeout),
    leaseTtlMs: ms(rawDefaults.leaseTtl ?? DEFAULTS.leaseTtl),
    concurrency: rawDefaults.concurrency ?? DEFAULTS.concurrency,
  };
  if (rawDefaults.store !== undefined) defaults.store = rawDefaults.store;
  if (rawDefaults.issuer !== undefined) defaults.issuer = rawDefaults.issuer;
  if (rawDefaults.tier !== undefined) defaults.tier = rawDefaults.tier;
  const rawStores = raw.stores ?? {};
  const looseDefaults = rawDefaults as Record<string, unknown>;

  const rawKeys = raw.keys ?? [];
  const keys: KeyConfig[] = new Array<KeyConfig>(rawKeys.length);
  for (let index = 0; index < rawKeys.length; index++) {
    const k = rawKeys[index]!;
    const at = keyPosition(index);
    const position: SourcePosition = { file: facts.shownAs, line: at.line, column: at.column };
    const key: KeyConfig = {
      id: k.id,
      purpose: k.purpose,
      issuer: resolveIssuer(k as unknown as Record<string, unknown>, looseDefaults) ?? '',
      spec: k.spec ?? {},
      store: resolveStore(k as unknown as Record<string, unknown>, looseDefaults, rawStores) ?? '',
      path: k.path ?? k.id,
      overlapMs: k.overlap === undefined ? defaults.overlapMs : ms(k.overlap),
      holders: k.holders ?? [],
      consumers: k.consumers ? k.consumers.map((c) => consumer(c, defaults)) : [],
      checks: k.checks ? k.checks.map((c) => check(c, defaults)) : [],
      restrictions: restrictions(k.restrictions),
      tags: k.tags ?? [],
      position,
    };
    if (k.period !== undefined) key.periodMs = ms(k.period);
    const tier = k.tier ?? defaults.tier;
    if (tier !== undefined) key.tier = tier;
    if (k.ttl !== undefined) key.ttlMs = ms(k.ttl);
    const schedule = scheduleOf(k.window ?? rawDefaults.window, k.blackout ?? rawDefaults.blackout);
    if (schedule) key.schedule = schedule;
    if (k.zone !== undefined) key.zone = k.zone;
    const spec = parsed.specs[index];
    if (spec !== undefined) key.issuerSpec = spec;
    keys[index] = key;
  }

  const { people, teams } = membership(raw);
  const config: Config = {
    file: facts.file,
    dir: facts.dir,
    hash: facts.hash,
    version: raw.version,
    defaults,
    stores: named(rawStores, parsed.stores),
    issuers: named(raw.issuers ?? {}, parsed.issuers),
    people,
    teams,
    notify: {
      webhooks: (raw.notify?.webhooks ?? []).map((hook) => ({ url: hook.url, events: hook.events ?? [...DEFAULTS.webhookEvents] })),
    },
    keys,
  };
  if (raw.fleet) config.fleet = fleet(raw.fleet);
  return config;
}

function fleet(f: RawFleet): FleetConfig {
  const d = DEFAULTS.fleet;
  return {
    queue: {
      url: f.queue.url,
      schema: f.queue.schema ?? d.schema,
      expireAfterMs: ms(f.queue.expireAfter ?? d.expireAfter),
      retryLimit: f.queue.retryLimit ?? d.retryLimit,
      retryDelayMs: ms(f.queue.retryDelay ?? d.retryDelay),
    },
    schedule: f.schedule ?? d.schedule,
  };
}

/** A command string runs through `sh -c` (pipes and quotes work); a list is argv as written. */
export function argv(command: RawCommand): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : command.map(String);
}

function consumer(c: RawConsumer, defaults: Defaults): ConsumerConfig {
  const out: ConsumerConfig = {
    name: c.name,
    timeoutMs: c.timeout === undefined ? defaults.consumerTimeoutMs : ms(c.timeout),
    env: c.env ?? {},
  };
  if (c.restart) out.restart = restartSpec(c.restart);
  if (c.health) out.health = healthSpec(c.health);
  return out;
}

function check(c: RawCheck, defaults: Defaults): CheckConfig {
  return {
    name: c.name,
    command: argv(c.command),
    timeoutMs: c.timeout === undefined ? defaults.consumerTimeoutMs : ms(c.timeout),
    env: c.env ?? {},
  };
}

function restartSpec(r: RawRestart): RestartSpec {
  if (r.command !== undefined) {
    const spec: RestartSpec = { kind: 'command', command: argv(r.command) };
    if (r.cwd !== undefined) spec.cwd = r.cwd;
    return spec;
  }
  if (r.systemd !== undefined) return { kind: 'systemd', unit: r.systemd };
  if (r.docker !== undefined) return { kind: 'docker', container: r.docker };
  if (r.kubernetes !== undefined) {
    const spec: RestartSpec = { kind: 'kubernetes', deployment: r.kubernetes };
    if (r.namespace !== undefined) spec.namespace = r.namespace;
    if (r.context !== undefined) spec.context = r.context;
    return spec;
  }
  return { kind: 'pm2', process: r.pm2! };
}

function healthSpec(h: RawHealth): HealthSpec {
  const timeoutMs = ms(h.timeout ?? DEFAULTS.health.timeout);
  const retries = h.retries ?? DEFAULTS.health.retries;
  const intervalMs = ms(h.interval ?? DEFAULTS.health.interval);
  if (h.url !== undefined)
    return { kind: 'http', url: h.url, expectStatus: h.expectStatus ?? DEFAULTS.health.expectStatus, timeoutMs, retries, intervalMs };
  return { kind: 'command', command: argv(h.command!), timeoutMs, retries, intervalMs };
}

function restrictions(r: RawRestrictions | undefined): Restrictions {
  const out: Restrictions = { permissions: r?.permissions ?? [] };
  if (r === undefined) return out;
  if (r.ipWhitelist !== undefined) out.ipWhitelist = r.ipWhitelist;
  if (r.allowWithdrawals !== undefined) out.allowWithdrawals = r.allowWithdrawals;
  if (r.withdrawalAddressWhitelist !== undefined) out.withdrawalAddressWhitelist = r.withdrawalAddressWhitelist;
  if (r.account !== undefined) out.account = r.account;
  return out;
}

function named(section: Record<string, RawNamed>, settings: Map<string, unknown>): Record<string, AdapterConfig> {
  const out: Record<string, AdapterConfig> = {};
  for (const [name, { type, ...options }] of Object.entries(section)) {
    const adapter: AdapterConfig = { name, type, options };
    if (settings.has(name)) adapter.settings = settings.get(name);
    out[name] = adapter;
  }
  return out;
}

/** A person's `teams` and a team's `members` say the same thing twice: complete both sides. */
function membership(raw: RawConfig): { people: Record<string, Person>; teams: Record<string, Team> } {
  const people: Record<string, Person> = {};
  const teams: Record<string, Team> = {};
  for (const [id, team] of Object.entries(raw.teams ?? {})) teams[id] = { id, members: [...(team.members ?? [])] };
  for (const [id, person] of Object.entries(raw.people ?? {})) {
    const p: Person = { id, teams: [...(person.teams ?? [])] };
    if (person.name !== undefined) p.name = person.name;
    if (person.email !== undefined) p.email = person.email;
    people[id] = p;
  }
  for (const person of Object.values(people)) {
    for (const team of person.teams) if (teams[team] && !teams[team].members.includes(person.id)) teams[team].members.push(person.id);
  }
  for (const team of Object.values(teams)) {
    for (const member of team.members) if (people[member] && !people[member].teams.includes(team.id)) people[member].teams.push(team.id);
  }
  return { people, teams };
}
