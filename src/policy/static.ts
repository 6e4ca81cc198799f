/** staticFindings: every rule that can be judged from rotation.yaml alone. */
import type { Config, KeyConfig } from '../config/types.js';
import { keyCountFindings, sharedPurposeFindings } from './fleet-rules.js';
import { keyFindings } from './key-rules.js';
import type { Finding } from './types.js';

/**
 * The session judges the file when it loads it and the plan asks again for the same config:
 * on 10,000 keys that is tens of milliseconds, so the answer is kept per config. A loaded Config is
 * read-only; a caller that builds one and then replaces its key list gets a fresh answer.
 */
const judged = new WeakMap<Config, { keys: KeyConfig[]; count: number; findings: Finding[] }>();

export function staticFindings(config: Config): Finding[] {
  const known = judged.get(config);
  if (known && known.keys === config.keys && known.count === config.keys.length) return [...known.findings];
  const out: Finding[] = [];
  for (const key of config.keys) keyFindings(key, out);
  for (const f of sharedPurposeFindings(config.keys)) out.push(f);
  for (const f of keyCountFindings(config)) out.push(f);
  judged.set(config, { keys: config.keys, count: config.keys.length, findings: out });
  return [...out];
}
