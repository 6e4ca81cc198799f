/**
 * `${VAR}` in any string value is replaced by the environment variable VAR; `${VAR:-text}`
 * uses text when VAR is unset or empty; `$${` stands for a literal `${`. Only values are
 * interpolated, never field names. The result is always a string (YAML typing happened
 * before), so `concurrency: ${N}` is a string and the schema says so.
 */
import type { ProblemList } from './problems.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Interpolation {
  value: string;
  /** variables that are unset (and have no default) */
  missing: string[];
  /** `${...}` forms that are not `${NAME}` or `${NAME:-default}` */
  malformed: string[];
}

export function interpolateString(text: string, env: NodeJS.ProcessEnv): Interpolation {
  const missing: string[] = [];
  const malformed: string[] = [];
  let value = '';
  let from = 0;
  for (;;) {
    const at = text.indexOf('$', from);
    if (at === -1) break;
    if (text.startsWith('$${', at)) {
      value += `${text.slice(from, at)}\${`;
      from = at + 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      value += text.slice(from, at + 1);
      from = at + 1;
      continue;
    }
    value += text.slice(from, at);
    const close = text.indexOf('}', at + 2);
    if (close === -1) {
      malformed.push('an unclosed ${');
      from = text.length;
      break;
    }
    const inner = text.slice(at + 2, close);
    const sep = inner.indexOf(':-');
    const name = sep === -1 ? inner : inner.slice(0, sep);
    if (!NAME.test(name)) malformed.push(name === '' ? 'an empty ${}' : 'a ${...} whose name is not a variable name');
    else {
      const found = env[name];
      if (found !== undefined && (found !== '' || sep === -1)) value += found;
      else if (sep !== -1) value += inner.slice(sep + 2);
      else missing.push(name);
    }
    from = close + 1;
  }
  value += text.slice(from);
  return { value, missing, malformed };
}

/**
 * Interpolate every string value in place; a missing variable is a problem at that value.
 * onlyKeys: the indexes of the keys that can contain a reference (the others are skipped);
 * every other section is always visited.
 */
export function interpolateData(data: unknown, env: NodeJS.ProcessEnv, problems: ProblemList, onlyKeys?: ReadonlySet<number>): void {
  const visit = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('$')) return node;
      const result = interpolateString(node, env);
      if (result.missing.length > 0) {
        const names = result.missing.map((name) => `\${${name}}`).join(', ');
        const first = result.missing[0]!;
        problems.addAndMute(
          [...path],
          `environment variable${result.missing.length > 1 ? 's' : ''} ${names} not set`,
          `export ${first}, give a default with \${${first}:-value}, or write $\${ for a literal \${`,
        );
      }
      if (result.malformed.length > 0) {
        problems.addAndMute(
          [...path],
          `malformed environment reference (${result.malformed[0]}): write \${NAME} or \${NAME:-default}`,
          'write $${ for a literal ${',
        );
      }
      return result.value;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        node[i] = visit(node[i], path);
        path.pop();
      }
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        path.push(key);
        record[key] = visit(record[key], path);
        path.pop();
      }
    }
    return node;
  };
  const root = data as Record<string, unknown> | null;
  if (onlyKeys === undefined || root === null || typeof root !== 'object' || !Array.isArray(root.keys)) {
    visit(data, []);
    return;
  }
  for (const section in root) {
    if (section !== 'keys') root[section] = visit(root[section], [section]);
  }
  const keys = root.keys as unknown[];
  for (const index of onlyKeys) if (index < keys.length) keys[index] = visit(keys[index], ['keys', index]);
}
