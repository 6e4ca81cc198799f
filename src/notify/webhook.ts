/**
 * Tell people what happened: a JSON POST to each webhook subscribed to the event. A
 * notification is never worth a failed rotation: this function logs and returns, it never throws.
 */
import type { NotifyEvent, WebhookConfig } from '../config/types.js';
import type { RunContext } from '../context.js';
import { messageOf } from '../errors.js';
import { slackPayload, type NotifyMessage } from './message.js';

export type { NotifyMessage } from './message.js';

const TIMEOUT_MS = 5000;

export interface NotifyOptions {
  /** per-webhook limit; 5 s unless a test needs less */
  timeoutMs?: number;
}

export async function notify(
  webhooks: WebhookConfig[],
  event: NotifyEvent,
  message: NotifyMessage,
  ctx: RunContext,
  options: NotifyOptions = {},
): Promise<void> {
  const targets = webhooks.filter((hook) => hook.events.includes(event));
  if (targets.length === 0) return;
  let body: string;
  try {
    body = redactedBody(message, ctx);
  } catch (error) {
    ctx.logger.warn(`notify ${event}: could not build the message: ${messageOf(error)}`);
    return;
  }
  if (ctx.dryRun) {
    ctx.logger.info(`dry-run: would notify ${targets.length} webhook(s) of ${event}`, { title: message.title });
    return;
  }
  await Promise.all(targets.map((hook) => post(hook.url, body, event, options.timeoutMs ?? TIMEOUT_MS, ctx)));
}

/**
 * Each string is redacted before JSON encoding (so a mask never cuts into an escape), then
 * the whole body once more, like every byte keyturn writes. Should that second pass ever
 * break the JSON, the details are withheld rather than sent broken.
 */
function redactedBody(message: NotifyMessage, ctx: RunContext): string {
  const body = ctx.redactor.redact(JSON.stringify(ctx.redactor.redactValue(slackPayload(message))));
  try {
    JSON.parse(body);
    return body;
  } catch {
    return JSON.stringify({ text: `${ctx.redactor.redact(message.title)} (details withheld: they contained a secret)` });
  }
}

async function post(url: string, body: string, event: NotifyEvent, timeoutMs: number, ctx: RunContext): Promise<void> {
  const where = webhookName(url);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    await response.body?.cancel().catch(() => {});
    if (response.ok) {
      ctx.logger.debug(`notify ${event}: sent to ${where}`);
      return;
    }
    ctx.logger.warn(`notify ${event}: ${where} answered ${response.status}`);
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const reason = timedOut ? `no answer within ${timeoutMs}ms` : failure(error).split(url).join(where);
    ctx.logger.warn(`notify ${event}: could not reach ${where}: ${reason}`);
  }
}

/**
 * A webhook URL is itself a credential (Slack's carries its token in the path): logs show
 * only where it points.
 */
export function webhookName(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'a webhook with an invalid URL';
  }
}

function failure(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return cause && typeof cause.code === 'string' ? cause.code : messageOf(error);
}
