/** staticFindings: every rule that can be judged from rotation.yaml alone. */
import type { Config } from '../config/types.js';
import { keyCountFindings, sharedPurposeFindings } from './fleet-rules.js';
import { keyFindings } from './key-rules.js';
import type { Finding } from './types.js';

export function staticFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  for (const key of config.keys) for (const f of keyFindings(key)) out.push(f);
  for (const f of sharedPurposeFindings(config.keys)) out.push(f);
  for (const f of keyCountFindings(config)) out.push(f);
  return out;
}
