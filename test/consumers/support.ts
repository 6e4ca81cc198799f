/**
 * A real RunContext for consumer and notify tests: the real Redactor, a debug-level logger
 * whose output is captured, and helpers for free ports and local HTTP servers (temp dirs,
 * rejections and pids: test/support).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Prompt, RunContext } from '../../src/context.js';
import { createLogger } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redactor.js';
export { freePort } from '../../scripts/free-port.js';

export interface TestContext {
  ctx: RunContext;
  /** everything logged so far, at any level */
  logs(): Promise<string>;
}

const noPrompt: Prompt = {
  interactive: false,
  say() {},
  confirm: async () => {
    throw new Error('no prompt in tests');
  },
  text: async () => {
    throw new Error('no prompt in tests');
  },
  secret: async () => {
    throw new Error('no prompt in tests');
  },
};

export function testContext(overrides: Partial<RunContext> = {}): TestContext {
  const redactor = overrides.redactor ?? new Redactor();
  const stream = new PassThrough();
  let captured = '';
  stream.on('data', (chunk: Buffer) => {
    captured += chunk.toString('utf8');
  });
  const logger = createLogger({ level: 'debug', format: 'json', redactor, stream });
  const ctx: RunContext = {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH },
    clock: { now: () => new Date('2026-01-02T03:04:05Z') },
    logger,
    redactor,
    prompt: noPrompt,
    actor: 'test@host',
    dryRun: false,
    ...overrides,
  };
  return {
    ctx,
    logs: async () => {
      // winston hands lines to the stream asynchronously
      await new Promise((resolve) => setImmediate(resolve));
      return captured;
    },
  };
}

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/** A real local HTTP server; `answer` sees each request (already counted) and returns status and body. */
export async function httpServer(
  answer: (request: Received, index: number) => { status: number; body?: string } | 'hang',
): Promise<TestServer> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(received);
      const reply = answer(received, requests.length - 1);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Assert that none of the secrets, nor their base64 form, is in the text. */
export function expectNoSecret(text: string, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(text, 'a secret leaked').to.not.include(secret);
    expect(text, 'a secret leaked in base64').to.not.include(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
  }
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
