/** Real files in a temp folder, loaded through loadConfig, as an operator would. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig, type ConfigProblem } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { staticFindings } from '../../src/policy/static.js';
import type { Finding } from '../../src/policy/types.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

export class TempDir {
  private dir = '';

  async create(): Promise<void> {
    this.dir = await tempDir('keyturn-config-');
  }

  async remove(): Promise<void> {
    await removeTempDir(this.dir);
  }

  async write(name: string, text: string): Promise<string> {
    const file = path.join(this.dir, name);
    await writeFile(file, text);
    return file;
  }

  /** The loaded config and the policy findings judged from it, as a run's session sees them. */
  async load(text: string, env: NodeJS.ProcessEnv = {}, name = 'rotation.yaml'): Promise<{ config: Config; findings: Finding[] }> {
    const { config } = await loadConfig(await this.write(name, text), { env });
    return { config, findings: staticFindings(config) };
  }

  /** Load a file that must be refused; returns the error with its problems. */
  async refuse(text: string, env: NodeJS.ProcessEnv = {}, name = 'rotation.yaml'): Promise<ConfigError> {
    const file = await this.write(name, text);
    try {
      await loadConfig(file, { env });
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return error as ConfigError;
    }
    expect.fail(`${name} was accepted`);
  }
}

/** [line, column, path] of each problem, for exact comparisons. */
export function spots(error: ConfigError): Array<[number, number, string]> {
  return error.problems.map((p: ConfigProblem) => [p.line, p.column, p.path]);
}

export function problemAt(error: ConfigError, p: string): ConfigProblem {
  const found = error.problems.find((problem) => problem.path === p);
  if (!found) expect.fail(`no problem at ${p}; problems: ${error.message}`);
  return found;
}

/** A minimal valid file; `keys` is appended verbatim under `keys:`. */
export function yamlWith(keys: string, head = ''): string {
  return `version: 1
stores:
  local: { type: file, path: store.enc }
issuers:
  tokens: { type: random }
people:
  alice: { name: Alice }
teams:
  ops: { members: [alice] }
${head}keys:
${keys}`;
}
