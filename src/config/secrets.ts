/**
 * Rule secret-in-config: rotation.yaml is reviewed, committed and copied around, so a
 * secret written in it is a leaked secret. Two checks, both on the text as written
 * (before `${ENV}` interpolation, which is how secrets are meant to arrive):
 *  - a field whose name says it holds a secret must hold a reference, not a value;
 *  - anything shaped like a well-known credential is refused wherever it appears.
 * Messages never repeat the value.
 */
import { renderPath, type DataPath, type ProblemList } from './problems.js';
import type { SourceMap } from './source-map.js';

export const SECRET_RULE = 'secret-in-config';

/** Name parts that mark a secret: apiSecret, secret_key, password, x-token, privateKey, … */
const SECRET_WORDS = /secret|passw(?:or)?d|passphrase|token|credential|privatekey|apikey|accesskey|masterkey|signingkey|^pwd$|^pass$/;

/** A secret-sounding name that ends with one of these names or describes something else. */
const NOT_A_VALUE = new Set([
  'file',
  'path',
  'dir',
  'env',
  'var',
  'ref',
  'id',
  'ids',
  'arn',
  'name',
  'names',
  'label',
  'labels',
  'command',
  'cmd',
  'url',
  'uri',
  'endpoint',
  'header',
  'field',
  'fields',
  'type',
  'kind',
  'length',
  'len',
  'size',
  'bits',
  'bytes',
  'ttl',
  'period',
  'timeout',
  'format',
  'encoding',
  'alphabet',
  'pattern',
  'regex',
  'prefix',
  'count',
  'version',
  'stage',
  'mount',
  'role',
  'scope',
  'scopes',
  'region',
  'template',
  'policy',
]);

const nameCache = new Map<string, boolean>();

/** True when a field with this name would hold a secret value. Case-insensitive; camelCase, snake_case and kebab-case alike. */
export function isSecretFieldName(name: string): boolean {
  let known = nameCache.get(name);
  if (known === undefined) {
    const words = name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    known = SECRET_WORDS.test(words.join('')) && !NOT_A_VALUE.has(words[words.length - 1] ?? '');
    nameCache.set(name, known);
  }
  return known;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

/** A reference is `${NAME}` (text around it is fine); a `${NAME:-default}` with a default is a literal in disguise. */
function isReference(value: string): boolean {
  if (value === '') return true;
  let found = false;
  for (const match of value.matchAll(REFERENCE)) {
    if (match[2] !== undefined && match[2].length > 2) return false;
    found = true;
  }
  return found;
}

/** Credential shapes: finding one anywhere in the file (comments included) is a leak. */
const SHAPES: Array<{ what: string; pattern: RegExp }> = [
  { what: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { what: 'a PEM private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
  { what: 'a Slack token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}/g },
  { what: 'a Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/T[0-9A-Z]+\/B[0-9A-Z]+\/[0-9A-Za-z]+/g },
  { what: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b/g },
  { what: 'a Stripe live key', pattern: /\b[rs]k_live_[0-9A-Za-z]{16,}/g },
];
/** One pass over the text decides whether the per-shape passes are needed at all. */
const ANY_SHAPE = new RegExp(SHAPES.map((shape) => shape.pattern.source).join('|'));

const EXCHANGE_KEY = /^[A-Za-z0-9]{64}$/;

const HINT = 'write a reference instead, e.g. ${BINANCE_API_SECRET}, and keep the value in the environment or the store';

export function findLiteralSecrets(data: unknown, source: SourceMap, problems: ProblemList): void {
  // a value caught by its shape is not reported a second time for its field's name
  const caught = new Set<string>();
  scanShapes(source, problems, caught);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return;
  const root = data as Record<string, unknown>;
  for (const section of ['stores', 'issuers', 'notify'] as const) scanFields(root[section], [section], false, problems, caught);
  if (Array.isArray(root.keys)) {
    const path: Array<string | number> = ['keys', 0, 'spec'];
    for (let index = 0; index < root.keys.length; index++) {
      const key: unknown = root.keys[index];
      if (key === null || typeof key !== 'object') continue;
      const spec = (key as Record<string, unknown>).spec;
      if (spec === undefined) continue;
      path[1] = index;
      scanFields(spec, path, false, problems, caught);
    }
  }
}

function scanShapes(source: SourceMap, problems: ProblemList, caught: Set<string>): void {
  if (!ANY_SHAPE.test(source.text)) return;
  for (const { what, pattern } of SHAPES) {
    pattern.lastIndex = 0;
    for (const match of source.text.matchAll(pattern)) {
      const offset = match.index;
      const path = source.pathAt(offset);
      caught.add(renderPath(path));
      problems.addAt(
        offset,
        path,
        `${SECRET_RULE}: this looks like ${what}; a literal secret must not appear in the file`,
        `${HINT}; then revoke it, since it has been exposed`,
      );
    }
  }
}

/** Walks with one shared path array; a problem takes a copy. */
function scanFields(node: unknown, path: Array<string | number>, secretNamed: boolean, problems: ProblemList, caught: Set<string>): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      path.push(i);
      scanFields(node[i], path, secretNamed, problems, caught);
      path.pop();
    }
    return;
  }
  if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const name in record) {
      path.push(name);
      scanFields(record[name], path, isSecretFieldName(name), problems, caught);
      path.pop();
    }
    return;
  }
  if (!secretNamed) return;
  if (typeof node === 'number' || (typeof node === 'string' && !isReference(node))) {
    if (caught.size === 0 || !caught.has(renderPath(path))) report([...path], node, problems);
  }
}

function report(path: DataPath, value: string | number, problems: ProblemList): void {
  const field = String(lastName(path));
  const shape =
    typeof value === 'string' && EXCHANGE_KEY.test(value)
      ? ' (it has the shape of an exchange API key or secret: 64 letters and digits)'
      : '';
  const defaulted = typeof value === 'string' && value.includes('${') ? ' (a ${NAME:-default} default is written in the file too)' : '';
  problems.add(
    path,
    `${SECRET_RULE}: \`${field}\` holds a literal value${shape}${defaulted}; a secret must not be written in rotation.yaml`,
    HINT,
  );
}

function lastName(path: DataPath): string | number {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i]!;
  return path[path.length - 1] ?? '';
}
