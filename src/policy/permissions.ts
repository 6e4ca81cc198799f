/** Permission and IP-whitelist facts the rules share. */
import type { Permission } from '../config/types.js';

/** Binance accepts 1 to 20 IPv4 addresses per key, no CIDR blocks (seed 002). */
export const MAX_WHITELIST = 20;

/** Everything above reading lets a leaked key move or lose funds. */
export function tradingPermissions(permissions: readonly Permission[]): Permission[] {
  return permissions.filter((permission) => permission !== 'reading');
}

const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => OCTET.test(part));
}

/** What is wrong with a declared whitelist, as short phrases; empty when it is fine. */
export function whitelistProblems(list: readonly string[]): string[] {
  const problems: string[] = [];
  if (list.length === 0) problems.push('it is empty (omit it, or list 1 to 20 addresses)');
  if (list.length > MAX_WHITELIST) problems.push(`it lists ${list.length} addresses (at most ${MAX_WHITELIST})`);
  const cidr = list.filter((entry) => entry.includes('/'));
  if (cidr.length > 0) problems.push(`CIDR blocks are not accepted: ${cidr.slice(0, 3).join(', ')}${cidr.length > 3 ? ', …' : ''}`);
  const bad = list.filter((entry) => !entry.includes('/') && !isIPv4(entry));
  if (bad.length > 0) problems.push(`not IPv4 addresses: ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', …' : ''}`);
  return problems;
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
