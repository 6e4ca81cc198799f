import { expect } from 'chai';
import { notify } from '../../src/notify/index.js';
import { expectNoSecret, freePort, httpServer, testContext, type TestServer } from '../consumers/support.js';

const SECRET = 'xoxb-leaked-token-5d1f9a7c3e';
const TOKEN_PATH = '/services/T0001/B0002/hookTokenAbc123';

describe('notify', () => {
  const servers: TestServer[] = [];
  const serve = async (...args: Parameters<typeof httpServer>) => {
    const server = await httpServer(...args);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('POSTs Slack-compatible JSON to a subscribed webhook, the secret masked', async () => {
    const server = await serve(() => ({ status: 200, body: 'ok' }));
    const { ctx, logs } = testContext();
    ctx.redactor.add(SECRET);
    await notify(
      [{ url: `${server.url}${TOKEN_PATH}`, events: ['failure'] }],
      'failure',
      { title: 'grid-bot-webhook-secret: rotation rolled back', lines: ['step: restart', `error: consumer grid-bot said ${SECRET}`] },
      ctx,
    );
    expect(server.requests).to.have.length(1);
    const [request] = server.requests;
    expect(request?.method).to.equal('POST');
    expect(request?.url).to.equal(TOKEN_PATH);
    expect(request?.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(request?.body ?? '')).to.deep.equal({
      text: 'grid-bot-webhook-secret: rotation rolled back\nstep: restart\nerror: consumer grid-bot said [REDACTED]',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'grid-bot-webhook-secret: rotation rolled back' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'step: restart\nerror: consumer grid-bot said [REDACTED]' } },
      ],
    });
    expectNoSecret(request?.body ?? '', SECRET);
    const logged = await logs();
    expectNoSecret(logged, SECRET);
    expect(logged).to.not.include('hookTokenAbc123');
  });

  it('masks a secret in JSON-escaped form too, and the body stays valid JSON', async () => {
    const server = await serve(() => ({ status: 200 }));
    const { ctx } = testContext();
    const quoted = 'pa"ss\\word-0123';
    ctx.redactor.add(quoted);
    await notify([{ url: server.url, events: ['summary'] }], 'summary', { title: `t ${quoted}`, lines: [quoted] }, ctx);
    const body = server.requests[0]?.body ?? '';
    expect(body).to.not.include(JSON.stringify(quoted).slice(1, -1));
    expect(JSON.parse(body)).to.deep.include({ text: 't [REDACTED]\n[REDACTED]' });
  });

  it('sends only to webhooks subscribed to the event', async () => {
    const failures = await serve(() => ({ status: 200 }));
    const summaries = await serve(() => ({ status: 200 }));
    const { ctx } = testContext();
    const hooks = [
      { url: failures.url, events: ['failure' as const, 'attention' as const] },
      { url: summaries.url, events: ['summary' as const] },
    ];
    await notify(hooks, 'attention', { title: 'rollback incomplete', lines: [] }, ctx);
    expect(failures.requests).to.have.length(1);
    expect(summaries.requests).to.have.length(0);
    expect(JSON.parse(failures.requests[0]?.body ?? '')).to.deep.equal({
      text: 'rollback incomplete',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'rollback incomplete' } }],
    });
  });

  it('a webhook that is down only logs a warning, without its token; the others still get the message', async () => {
    const port = await freePort();
    const up = await serve(() => ({ status: 200 }));
    const { ctx, logs } = testContext();
    await notify(
      [
        { url: `http://127.0.0.1:${port}${TOKEN_PATH}`, events: ['failure'] },
        { url: up.url, events: ['failure'] },
      ],
      'failure',
      { title: 'x', lines: ['y'] },
      ctx,
    );
    expect(up.requests).to.have.length(1);
    const logged = await logs();
    expect(logged).to.include(`notify failure: could not reach http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(logged).to.include('"level":"warn"');
    expect(logged).to.not.include('hookTokenAbc123');
  });

  it('an error status and a webhook that never answers are warnings, in bounded time', async () => {
    const failing = await serve(() => ({ status: 500 }));
    const hanging = await serve(() => 'hang');
    const { ctx, logs } = testContext();
    const started = Date.now();
    await notify(
      [
        { url: failing.url, events: ['summary'] },
        { url: hanging.url, events: ['summary'] },
      ],
      'summary',
      { title: 'monthly run', lines: ['3 keys rotated'] },
      ctx,
      { timeoutMs: 300 },
    );
    expect(Date.now() - started).to.be.lessThan(2000);
    const logged = await logs();
    expect(logged).to.include(`notify summary: ${failing.url} answered 500`);
    expect(logged).to.include(`notify summary: could not reach ${hanging.url}: no answer within 300ms`);
  });

  it('cuts a section over Slack’s 3000-character limit instead of having it rejected', async () => {
    const server = await serve(() => ({ status: 200 }));
    const { ctx } = testContext();
    await notify([{ url: server.url, events: ['summary'] }], 'summary', { title: 'long', lines: ['a'.repeat(5000)] }, ctx);
    const payload = JSON.parse(server.requests[0]?.body ?? '') as { blocks: Array<{ text: { text: string } }> };
    expect(payload.blocks[1]?.text.text).to.have.length(3000);
    expect(payload.blocks[1]?.text.text.endsWith('…')).to.equal(true);
  });

  it('a malformed webhook URL is a warning that does not repeat the URL', async () => {
    const { ctx, logs } = testContext();
    await notify([{ url: 'hooks.example.com/services/hookTokenAbc123', events: ['failure'] }], 'failure', { title: 'x', lines: [] }, ctx);
    const logged = await logs();
    expect(logged).to.include('could not reach a webhook with an invalid URL');
    expect(logged).to.not.include('hookTokenAbc123');
  });

  it('dry-run sends nothing', async () => {
    const server = await serve(() => ({ status: 200 }));
    const { ctx, logs } = testContext({ dryRun: true });
    await notify([{ url: server.url, events: ['failure'] }], 'failure', { title: 'x', lines: [] }, ctx);
    expect(server.requests).to.have.length(0);
    expect(await logs()).to.include('dry-run: would notify 1 webhook(s) of failure');
  });
});
