/**
 * What issuer scripts print on stdout, parsed strictly. A create prints
 *   {"keyId": "...", "material": {"field": "secret", ...}}   or   {"keyId": "...", "secret": "..."}
 * with optional "restrictions" and "meta"; a list prints [{"keyId", "name"?, "createdAt"?}].
 * The JSON may be the whole stdout or its last non-empty line (scripts that chatter first).
 * Problems are described without quoting the output: it may hold a secret.
 */
import type { Permission, Restrictions } from '../config/types.js';
import type { IssuedKey, KeyInfo } from './types.js';
import type { KeyMaterial } from '../model.js';
import { isRecord } from '../config/raw-types.js';

export interface ParsedCreate {
  issued?: IssuedKey;
  /** what is wrong, when issued is undefined; never quotes the output */
  problem?: string;
  /** every secret-looking string found, even in a malformed answer: register them all */
  secrets: string[];
}

const PERMISSIONS: readonly Permission[] = [
  'reading',
  'spot',
  'margin',
  'futures',
  'options',
  'universal-transfer',
  'internal-transfer',
  'withdrawals',
];

export function parseJsonOutput(stdout: string): { value?: unknown; problem?: string } {
  const text = stdout.trim();
  if (text === '') return { problem: 'printed nothing on stdout (expected JSON)' };
  try {
    return { value: JSON.parse(text) };
  } catch {
    const last =
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .pop() ?? '';
    try {
      return { value: JSON.parse(last) };
    } catch {
      return { problem: 'did not print valid JSON on stdout' };
    }
  }
}

export function parseCreateOutput(stdout: string): ParsedCreate {
  const { value, problem } = parseJsonOutput(stdout);
  if (problem) return { problem, secrets: [] };
  if (!isRecord(value)) return { problem: 'printed JSON that is not an object', secrets: [] };

  const secrets = collectStrings(value.material).concat(collectStrings(value.secret));
  const fail = (why: string): ParsedCreate => ({ problem: why, secrets });

  if (typeof value.keyId !== 'string' || value.keyId.trim() === '') return fail('printed JSON without a string `keyId`');
  if (value.material !== undefined && value.secret !== undefined) return fail('printed both `material` and `secret`; use one');

  let material: KeyMaterial;
  if (typeof value.secret === 'string') material = { value: value.secret };
  else if (isRecord(value.material)) {
    material = {};
    for (const [field, secret] of Object.entries(value.material)) {
      if (typeof secret !== 'string') return fail(`material field \`${field}\` is not a string`);
      material[field] = secret;
    }
  } else return fail('printed JSON without `material` (an object of strings) or `secret` (a string)');
  const fields = Object.entries(material);
  if (fields.length === 0) return fail('printed an empty `material`');
  const empty = fields.find(([, secret]) => secret === '');
  if (empty) return fail(`material field \`${empty[0]}\` is empty`);

  const issued: IssuedKey = { keyId: value.keyId, material };
  if (value.restrictions !== undefined) {
    const restrictions = parseRestrictions(value.restrictions);
    if (typeof restrictions === 'string') return fail(restrictions);
    issued.restrictions = restrictions;
  }
  if (value.meta !== undefined) {
    if (!isRecord(value.meta) || !Object.values(value.meta).every((v) => typeof v === 'string'))
      return fail('`meta` must be an object of strings');
    issued.meta = value.meta as Record<string, string>;
  }
  return { issued, secrets };
}

export function parseListOutput(stdout: string): KeyInfo[] | string {
  const { value, problem } = parseJsonOutput(stdout);
  if (problem) return problem;
  if (!Array.isArray(value)) return 'printed JSON that is not an array';
  const keys: KeyInfo[] = [];
  for (const [index, item] of value.entries()) {
    if (!isRecord(item) || typeof item.keyId !== 'string' || item.keyId === '') return `item ${index} has no string \`keyId\``;
    const info: KeyInfo = { keyId: item.keyId };
    if (item.name !== undefined) {
      if (typeof item.name !== 'string') return `item ${index}: \`name\` is not a string`;
      info.name = item.name;
    }
    if (item.createdAt !== undefined) {
      if (typeof item.createdAt !== 'string' || Number.isNaN(Date.parse(item.createdAt)))
        return `item ${index}: \`createdAt\` is not a date string`;
      info.createdAt = item.createdAt;
    }
    if (item.restrictions !== undefined) {
      const restrictions = parseRestrictions(item.restrictions);
      if (typeof restrictions === 'string') return `item ${index}: ${restrictions}`;
      info.restrictions = restrictions;
    }
    keys.push(info);
  }
  return keys;
}

function parseRestrictions(raw: unknown): Restrictions | string {
  if (!isRecord(raw)) return '`restrictions` must be an object';
  const { permissions, ipWhitelist } = raw;
  if (!Array.isArray(permissions) || !permissions.every((p) => PERMISSIONS.includes(p as Permission))) {
    return `\`restrictions.permissions\` must be a list of: ${PERMISSIONS.join(', ')}`;
  }
  const out: Restrictions = { permissions: permissions as Permission[] };
  if (ipWhitelist !== undefined) {
    if (!Array.isArray(ipWhitelist) || !ipWhitelist.every((ip) => typeof ip === 'string'))
      return '`restrictions.ipWhitelist` must be a list of strings';
    out.ipWhitelist = ipWhitelist as string[];
  }
  return out;
}

function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (isRecord(value)) return Object.values(value).flatMap(collectStrings);
  if (Array.isArray(value)) return value.flatMap(collectStrings);
  return [];
}
