/**
 * Check the data against config/rotation.schema.json (the same file editors use) and turn
 * each ajv error into a problem an operator can act on: the field's path, a sentence, and
 * where possible a hint ("did you mean `period`?").
 *
 * The validator is ajv's code for the schema, generated ahead of time by schema-codegen.ts
 * (options: allErrors, verbose): neither ajv nor a compile step is paid at run time.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { DataPath, ProblemList } from './problems.js';
import { closest } from './suggest.js';
import generated from './validate-schema.generated.js';

const validate = generated as unknown as ValidateFunction;

/** Validate; returns true when the data has the raw shape of rotation.yaml. */
export function validateSchema(data: unknown, problems: ProblemList): boolean {
  if (validate(data)) return true;
  for (const error of validate.errors ?? []) describe(error, data, problems);
  return false;
}

const ONE_OF: Record<string, [none: string, many: string]> = {
  restart: [
    'a restart needs one of command, systemd, docker, kubernetes or pm2',
    'a restart takes only one of command, systemd, docker, kubernetes or pm2',
  ],
  health: ['a health check needs a url or a command', 'a health check takes a url or a command, not both'],
};

const PATTERN: Record<string, { what: string; hint: string; echo: boolean }> = {
  duration: { what: 'is not a duration', hint: 'write an integer and a unit of ms, s, m, h, d or w: 30d, 12h, 1h30m, 200ms', echo: true },
  'key-id': {
    what: 'is not a valid key id',
    hint: "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
    echo: true,
  },
  name: { what: 'is not a valid name', hint: "letters, digits, '.', '_' and '-', starting with a letter or digit", echo: true },
  'issuer-timeout': { what: 'is not a timeout', hint: 'a number of milliseconds, or like 500ms, 1.5s, 30s, 5m, 1m30s', echo: true },
};

function describe(error: ErrorObject, data: unknown, problems: ProblemList): void {
  // Errors inside oneOf branches repeat what the oneOf error says; `if` only says "then failed".
  if (/\/(?:oneOf|anyOf)\/\d+\//.test(error.schemaPath) || error.keyword === 'if' || error.keyword === 'propertyNames') return;
  const path = toDataPath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Record<string, unknown> | undefined;

  if (error.propertyName !== undefined) {
    const rule = PATTERN[String(parent?.title)];
    const what = rule
      ? rule.what
      : path[path.length - 1] === 'env' || parent?.pattern === '^[A-Za-z_][A-Za-z0-9_]*$'
        ? 'is not an environment variable name'
        : 'is not allowed here';
    problems.add([...path, error.propertyName], `\`${error.propertyName}\` ${what}`, rule?.hint, 'key');
    return;
  }

  switch (error.keyword) {
    case 'required':
      problems.add([...path, String(params.missingProperty)], `missing required field \`${String(params.missingProperty)}\``);
      return;
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((parent?.properties as object | undefined) ?? {});
      const guess = closest(field, allowed);
      const hint = guess ? `did you mean \`${guess}\`?` : allowed.length ? `allowed here: ${allowed.join(', ')}` : undefined;
      problems.add([...path, field], `unknown field \`${field}\``, hint, 'key');
      return;
    }
    case 'dependencies':
      problems.add(
        [...path, String(params.property)],
        `\`${String(params.property)}\` only goes with \`${String(params.missingProperty)}\``,
        undefined,
        'key',
      );
      return;
    case 'type':
      problems.add(path, `must be ${typeList(String(params.type))}, not ${typeName(error.data)}`, typeHint(parent, error.data));
      return;
    case 'enum': {
      const allowed = (error.schema as unknown[]).map(String);
      const value = error.data;
      const shown = typeof value === 'string' ? `\`${clip(value)}\`` : typeName(value);
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      problems.add(
        path,
        `unknown value ${shown}; expected one of: ${allowed.join(', ')}`,
        guess ? `did you mean \`${guess}\`?` : undefined,
      );
      return;
    }
    case 'const':
      problems.add(path, `must be ${JSON.stringify(params.allowedValue)}`);
      return;
    case 'pattern': {
      const rule = PATTERN[String(parent?.title)];
      if (rule) {
        problems.add(
          path,
          `${rule.echo && typeof error.data === 'string' ? `\`${clip(error.data)}\`` : 'the value'} ${rule.what}`,
          rule.hint,
        );
      } else if (path[path.length - 2] === 'holders') {
        problems.add(path, `\`${clip(String(error.data))}\` is not a person id or team:NAME`);
      } else if (String(params.pattern) === '^https?://') {
        problems.add(path, 'must be an http:// or https:// URL');
      } else problems.add(path, `does not match ${String(params.pattern)}`);
      return;
    }
    case 'minLength':
    case 'minItems':
      problems.add(path, params.limit === 1 ? 'must not be empty' : (error.message ?? 'is too short'));
      return;
    case 'maximum':
      problems.add(path, `must be at most ${String(params.limit)}, not ${String(error.data)}`);
      return;
    case 'minimum':
      problems.add(path, `must be at least ${String(params.limit)}, not ${String(error.data)}`);
      return;
    case 'uniqueItems':
      problems.add([...path, Number(params.i)], `repeats item ${String(params.j)}`);
      return;
    case 'not':
      problems.add(path, parent?.title === 'issuer-timeout' ? 'a timeout must be longer than 0' : (error.message ?? 'is not allowed'));
      return;
    case 'oneOf': {
      const [none, many] = ONE_OF[String(parent?.title)] ?? ['matches none of the allowed forms', 'matches more than one allowed form'];
      problems.add(path, params.passingSchemas ? many : none);
      return;
    }
    default:
      problems.add(path, error.message ?? `fails ${error.keyword}`);
  }
}

/** "/keys/1/period" → ['keys', 1, 'period'], indexes where the data holds arrays. */
function toDataPath(pointer: string, data: unknown): DataPath {
  if (pointer === '') return [];
  const path: Array<string | number> = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function typeList(types: string): string {
  const names = types
    .split(',')
    .map((type) =>
      type === 'integer'
        ? 'a whole number'
        : type === 'array'
          ? 'a list'
          : type === 'object'
            ? 'a mapping'
            : type === 'null'
              ? 'empty'
              : `a ${type}`,
    );
  return names.join(' or ');
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}

function typeHint(parent: Record<string, unknown> | undefined, value: unknown): string | undefined {
  if (parent?.title === 'duration' && typeof value === 'number') return 'a duration needs a unit, e.g. 30d or 0s';
  if (typeof value === 'string' && value.includes(': ')) return 'a value containing ": " must be quoted';
  return undefined;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
