/**
 * Problems found while loading rotation.yaml. Every stage adds to one list, so the operator
 * sees everything wrong with the file at once; only then is one ConfigError thrown.
 * Problems name a path in the data; the position (line:column) is looked up at the end,
 * because finding it costs a walk of the YAML tree and a valid file never needs it.
 */
import { ExitCode, KeyturnError } from '../errors.js';

export interface ConfigProblem {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (e.g. it cannot be read) */
  line: number;
  column: number;
  /** where in the data, e.g. "keys[1].period"; "" for the file itself */
  path: string;
  message: string;
  hint?: string;
}

export class ConfigError extends KeyturnError {
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    const first = problems[0];
    super('ECONFIG', formatProblems(file, problems), ExitCode.usage, {
      where: first && first.line > 0 ? `${first.file}:${first.line}:${first.column}` : file,
      hint: first?.hint,
      problems: problems.length,
    });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const path = problem.path ? `  ${problem.path}` : '';
  const hint = problem.hint ? ` (${problem.hint})` : '';
  return `${where}${path}  ${problem.message}${hint}`;
}

export function formatProblems(file: string, problems: ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [`${file}: ${count}`, ...problems.map(formatProblem)].join('\n');
}

/** A path into the parsed data: property names and array indexes. */
export type DataPath = ReadonlyArray<string | number>;

/** Where a problem points: at the value (default), or at the field's name (unknown fields). */
export type Target = 'value' | 'key';

export interface PendingProblem {
  path: DataPath;
  target: Target;
  message: string;
  hint?: string;
  /** known already (YAML syntax errors come with an offset, not a data path) */
  offset?: number;
}

/** "keys[1].consumers[0].env.API_KEY"; names that are not plain words are quoted. */
export function renderPath(path: DataPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[\w-]+$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** A rendered path is `prefix` itself or inside it (a field `prefix.x` or an item `prefix[0]`). */
function isAtOrUnder(rendered: string, prefix: string): boolean {
  return rendered === prefix || rendered.startsWith(`${prefix}.`) || rendered.startsWith(`${prefix}[`);
}

export class ProblemList {
  readonly items: PendingProblem[] = [];
  /** paths whose value is already known to be wrong: later stages stay quiet about them */
  private readonly muted = new Set<string>();

  add(path: DataPath, message: string, hint?: string, target: Target = 'value'): void {
    if (this.muted.size > 0 && target === 'value') {
      const rendered = renderPath(path);
      for (const muted of this.muted) if (isAtOrUnder(rendered, muted)) return;
    }
    this.items.push({ path, target, message, hint });
  }

  addAt(offset: number, path: DataPath, message: string, hint?: string): void {
    this.items.push({ path, target: 'value', message, hint, offset });
  }

  /** Report a problem at path and suppress later ones about the value at or under it (not about the field's name). */
  addAndMute(path: DataPath, message: string, hint?: string): void {
    this.add(path, message, hint);
    this.muted.add(renderPath(path));
  }

  /** true when a problem was reported at path or anywhere under it */
  hasUnder(path: DataPath): boolean {
    if (this.items.length === 0) return false;
    const rendered = renderPath(path);
    return this.items.some((p) => isAtOrUnder(renderPath(p.path), rendered));
  }

  get size(): number {
    return this.items.length;
  }
}
