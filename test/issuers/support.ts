/**
 * What issuer tests share: an IssuerContext with a real Redactor, a real winston logger at
 * debug level writing into a captured stream, a scripted operator, and temp shell scripts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { IssuerConfig, KeyConfig } from '../../src/config/types.js';
import type { IssuerContext } from '../../src/issuers/types.js';
import { createLogger } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redactor.js';
import { scriptedPrompt, type ScriptedPrompt } from '../support/scripted-prompt.js';

export interface TestContext {
  ctx: IssuerContext;
  redactor: Redactor;
  prompt: ScriptedPrompt;
  /** how often saveNotes() was called */
  saves(): number;
  /** everything logged so far (after the logger's stream has caught up) */
  logs(): Promise<string>;
}

export interface ContextOptions {
  answers?: string[];
  interactive?: boolean;
  notes?: Record<string, string>;
  dryRun?: boolean;
  rotationId?: string;
}

export function makeContext(options: ContextOptions = {}): TestContext {
  const redactor = new Redactor();
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger({ level: 'debug', format: 'json', redactor, stream });
  const prompt = scriptedPrompt(options.answers ?? [], redactor, { interactive: options.interactive ?? true });
  let saves = 0;
  const ctx: IssuerContext = {
    cwd: process.cwd(),
    env: process.env,
    clock: { now: () => new Date('2025-01-02T03:04:05Z') },
    logger,
    redactor,
    prompt,
    actor: 'test@host',
    dryRun: options.dryRun ?? false,
    rotationId: options.rotationId ?? 'rot-20250102030405-0a1b2c3d',
    notes: { ...options.notes },
    saveNotes: async () => {
      saves++;
    },
  };
  return {
    ctx,
    redactor,
    prompt,
    saves: () => saves,
    logs: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return chunks.join('');
    },
  };
}

export function keyConfig(overrides: Partial<KeyConfig> = {}): KeyConfig {
  return {
    id: 'test-key',
    purpose: 'tests',
    issuer: 'under-test',
    spec: {},
    store: 'local',
    path: 'test/key',
    overlapMs: 0,
    holders: [],
    consumers: [],
    checks: [],
    restrictions: { permissions: ['reading'] },
    tags: [],
    position: { file: 'rotation.yaml', line: 10, column: 5 },
    ...overrides,
  };
}

export function issuerConfig(type: string, options: Record<string, unknown> = {}, name = 'under-test'): IssuerConfig {
  return { name, type, options };
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder, removed when the test run ends. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyturn-issuers-'));
  dirs.push(dir);
  return dir;
}

/** An executable /bin/sh script; returns its path. */
export function writeScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The rejection of a promise, failing the test if it resolves (the one helper in test/support). */
export { rejection as rejectionOf } from '../support/expect-rejection.js';
