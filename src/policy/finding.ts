import type { KeyConfig } from '../config/types.js';
import { RULES } from './rules.js';
import type { Finding, RuleId, Severity } from './types.js';

export function whereOf(key: KeyConfig): string {
  return `${key.position.file}:${key.position.line}:${key.position.column}`;
}

/** A finding about a key, at the rule's default severity unless told otherwise. */
export function finding(rule: RuleId, key: KeyConfig, message: string, severity: Severity = RULES[rule].severity): Finding {
  return { rule, severity, key: key.id, message, where: whereOf(key) };
}
