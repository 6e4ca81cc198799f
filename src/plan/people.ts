/**
 * Who can read a key: its holders, with `team:NAME` expanded to the team's members and to
 * every person who lists that team. Offboarding asks the reverse question.
 */
import type { Config, KeyConfig } from '../config/types.js';
import { errors } from '../errors.js';

export function teamMembers(config: Config, team: string): Set<string> {
  const members = new Set(config.teams[team]?.members ?? []);
  for (const person of Object.values(config.people)) if (person.teams.includes(team)) members.add(person.id);
  return members;
}

/** Every key PERSON can read, directly or through a team, with how. */
export function keysHeldBy(config: Config, person: string): Array<{ key: KeyConfig; via: string }> {
  if (!config.people[person] && !Object.values(config.teams).some((t) => t.members.includes(person))) throw errors.unknownPerson(person);
  const held: Array<{ key: KeyConfig; via: string }> = [];
  for (const key of config.keys) {
    const via = key.holders.find((h) => h === person || (h.startsWith('team:') && teamMembers(config, h.slice(5)).has(person)));
    if (via) held.push({ key, via: via === person ? 'directly' : `through ${via}` });
  }
  return held;
}
