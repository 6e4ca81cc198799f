/** Webhooks hear of a run's failures and its summary, in Slack's JSON, with no secret in them. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';

describe('notify through a run', function () {
  this.timeout(60_000);
  let server: http.Server;
  let bodies: Array<{ text: string }>;
  let ws: Workspace;

  beforeEach(async () => {
    bodies = [];
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ws = await Workspace.create({ keys: 2, webhookUrl: `http://127.0.0.1:${port}/hook` });
  });
  afterEach(async () => {
    await ws.cleanup();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the failure and the summary of a run where one key rolled back', async () => {
    await ws.failProviderOnce('verify');
    const result = await ws.run(['rotate', '--all', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(1);
    const texts = bodies.map((b) => b.text);
    expect(texts.some((t) => /rolled-back/.test(t) && /verify/.test(t))).to.equal(true);
    expect(texts.some((t) => /completed: 1/.test(t) && /rolled-back: 1/.test(t))).to.equal(true);
    const all = JSON.stringify(bodies);
    for (const secret of ws.issuedSecrets()) expect(all.includes(secret)).to.equal(false);
  });
});
