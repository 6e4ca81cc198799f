/**
 * loadConfig: rotation.yaml → Config, or one ConfigError listing every problem with its
 * file:line:column. The stages, in order:
 *   read → parse (fast subset reader, else the `yaml` package) → literal secrets (on the
 *   text as written) → ${ENV} interpolation → schema → references → duration ranges →
 *   adapter options → issuer specs and env mappings → normalize.
 * Policy rules judge the result one layer up (src/policy/static.ts), once per config.
 * Each stage adds to the same problem list; the file is refused only at the end.
 */
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { parseAdapterOptions } from './adapter-options.js';
import { checkDurationRanges } from './duration-limits.js';
import { checkWindows } from './window-syntax.js';
import { checkFleetUrl } from './fleet-url.js';
import { interpolateData } from './interpolate.js';
import { checkIssuerSpecs } from './issuer-specs.js';
import { normalize } from './normalize.js';
import { parseYaml } from './parse-yaml.js';
import { ConfigError, ProblemList, renderPath, type ConfigProblem } from './problems.js';
import type { RawConfig } from './raw-types.js';
import { checkReferences } from './references.js';
import { findLiteralSecrets } from './secrets.js';
import type { SourceMap } from './source-map.js';
import type { Config } from './types.js';
import { validateSchema } from './validate-schema.js';

export { ConfigError, type ConfigProblem } from './problems.js';

export interface LoadedConfig {
  config: Config;
}

export interface LoadOptions {
  /** where ${VAR} references are looked up (default: process.env) */
  env?: NodeJS.ProcessEnv;
}

export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  const text = await readConfigFile(file, absolute);
  const config = parseConfigText(text, { file: absolute, shownAs: file, env: options.env ?? process.env });
  return { config };
}

/**
 * The file's text. Opened without blocking and checked before it is read: a FIFO, a device
 * or a socket given as --config would otherwise wait for a writer that never comes.
 */
async function readConfigFile(file: string, absolute: string): Promise<string> {
  const refuse = (message: string, hint?: string) =>
    new ConfigError(file, [{ file, line: 0, column: 0, path: '', message, ...(hint ? { hint } : {}) }]);
  let handle: FileHandle;
  try {
    handle = await open(absolute, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw refuse(`no such file: ${absolute}`, 'pass --config FILE, or run keyturn where rotation.yaml is');
    throw refuse(code === 'EISDIR' ? `${absolute} is a directory` : `cannot read ${absolute} (${code ?? 'error'})`);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw refuse(`${absolute} is a directory`);
    if (!stats.isFile()) throw refuse(`${absolute} is not a regular file (${kindOf(stats)})`, 'pass the path of rotation.yaml itself');
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw refuse(`cannot read ${absolute} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** The part of loadConfig after reading the file (also used by tests and benchmarks). */
export function parseConfigText(text: string, where: { file: string; shownAs?: string; env?: NodeJS.ProcessEnv }): Config {
  const shownAs = where.shownAs ?? where.file;
  const env = where.env ?? process.env;
  const problems = new ProblemList();

  const parsed = parseYaml(text, problems);
  findLiteralSecrets(parsed.data, parsed.source, problems);
  checkFleetUrl(parsed.data, problems);
  if (parsed.data === undefined) throw refuse(shownAs, problems, parsed.source);

  // Nothing to replace in most files: one scan of the text saves a walk over every value.
  if (text.includes('${')) interpolateData(parsed.data, env, problems, parsed.keysContaining('${'));
  const valid = validateSchema(parsed.data, problems);
  checkReferences(parsed.data, problems, parsed.keyPosition);
  checkDurationRanges(parsed.data, problems);
  checkWindows(parsed.data, problems);
  const settings = parseAdapterOptions(parsed.data, problems);
  const specs = checkIssuerSpecs(parsed.data, problems);
  if (!valid || problems.size > 0) throw refuse(shownAs, problems, parsed.source);

  return normalize(
    parsed.data as RawConfig,
    { file: where.file, shownAs, dir: path.dirname(where.file), hash: createHash('sha256').update(text).digest('hex') },
    parsed.keyPosition,
    { ...settings, specs },
  );
}

function refuse(file: string, problems: ProblemList, source: SourceMap): ConfigError {
  const located: ConfigProblem[] = problems.items.map((p) => {
    const { line, column } = p.offset !== undefined ? source.position(p.offset) : source.positionOf(p.path, p.target);
    return { file, line, column, path: renderPath(p.path), message: p.message, ...(p.hint ? { hint: p.hint } : {}) };
  });
  located.sort((a, b) => a.line - b.line || a.column - b.column);
  return new ConfigError(file, located);
}
