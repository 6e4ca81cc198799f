/** `keyturn validate` run by the built CLI on a file in a temp folder, as an operator runs it. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { CLI } from '../support/workspace.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

export interface Refusal {
  exitCode: number;
  stderr: string;
  /** "line:column  path  message (hint)" of each problem line, the file name cut off */
  problems: string[];
}

export class ValidateDir {
  dir = '';

  async create(): Promise<void> {
    this.dir = await tempDir('keyturn-validate-');
  }

  async remove(): Promise<void> {
    await removeTempDir(this.dir);
  }

  async run(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const options = { cwd: this.dir, reject: false, stdin: 'ignore', timeout: 20_000, env: { KEYTURN_MASTER_KEY: '' } } as const;
    const result = await execa('node', [CLI, ...args], options);
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  /** Validate `yaml`; it must be refused with exit 2, with no stack trace. */
  async refuse(yaml: string): Promise<Refusal> {
    await writeFile(path.join(this.dir, 'rotation.yaml'), yaml);
    const result = await this.run(['validate']);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr).to.not.match(/\n\s+at .+\.js:\d+/);
    const prefix = `${path.join(this.dir, 'rotation.yaml')}:`;
    const problems = result.stderr
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .map((line) => line.slice(prefix.length));
    return { exitCode: result.exitCode, stderr: result.stderr, problems };
  }

  /** Validate `yaml`; it must pass. */
  async accept(yaml: string): Promise<void> {
    await writeFile(path.join(this.dir, 'rotation.yaml'), yaml);
    const result = await this.run(['validate']);
    expect(result.exitCode, result.stderr).to.equal(0);
  }
}

/** A valid file around one key (`key` is its YAML after `- `, indented by 4). */
export function fileWith(key: string, issuers = '  tokens: { type: random }\n', head = ''): string {
  return `version: 1
${head}stores:
  local: { type: file, path: store.enc }
issuers:
${issuers}keys:
  - id: k
    purpose: p
    store: local
${key}`;
}
