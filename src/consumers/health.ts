/**
 * Wait until a restarted consumer answers: an HTTP status or a command's exit 0, tried
 * 1 + retries times, intervalMs apart, all before the consumer's deadline. Success as soon
 * as one attempt passes.
 */
import type { HealthSpec } from '../config/types.js';
import type { RunContext } from '../context.js';
import { errors, messageOf } from '../errors.js';
import { redactedTail, runCommand } from '../process/run-command.js';
import { commandLine, displayUrl } from './format.js';

type HttpHealth = Extract<HealthSpec, { kind: 'http' }>;
type CommandHealth = Extract<HealthSpec, { kind: 'command' }>;
type Probe = { ok: true } | { ok: false; reason: string };

export function healthAttempts(spec: HealthSpec): number {
  return Math.max(0, Math.floor(spec.retries)) + 1;
}

/**
 * `env` is what a health command gets: key id, rotation id, PATH. Not the secret: a health
 * check asks whether the service is up; whether the key works is what checks are for.
 * `deadline` (epoch ms, real time: see Clock) is the consumer's: its timeout covers the
 * restart and every probe, so no count of retries can keep a key in flight longer than that.
 */
export async function waitHealthy(
  consumer: string,
  spec: HealthSpec,
  env: Record<string, string>,
  ctx: RunContext,
  deadline = Infinity,
): Promise<void> {
  const attempts = healthAttempts(spec);
  let reason = 'not tried';
  let tried = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const timeoutMs = Math.min(spec.timeoutMs, Math.ceil(left));
    const probe = spec.kind === 'http' ? await probeHttp(spec, timeoutMs) : await probeCommand(consumer, spec, timeoutMs, env, ctx);
    tried = attempt;
    if (probe.ok) {
      ctx.logger.debug(`health ${consumer}: healthy`, { attempt });
      return;
    }
    reason = probe.reason;
    ctx.logger.debug(`health ${consumer}: attempt ${attempt}/${attempts} failed`, { reason });
    if (attempt === attempts || Date.now() + spec.intervalMs >= deadline) break;
    await sleep(spec.intervalMs);
  }
  const outOfTime = tried < attempts;
  const count = `${tried} attempt${tried === 1 ? '' : 's'}`;
  throw errors.consumer(
    outOfTime
      ? `consumer ${consumer} is not healthy within its timeout (${count} of ${attempts}): ${ctx.redactor.redact(reason)}`
      : `consumer ${consumer} is not healthy after ${count}: ${ctx.redactor.redact(reason)}`,
    outOfTime
      ? "the consumer's timeout bounds its restart and every health probe together; raise it if the service is slow to start"
      : 'the consumer was restarted with the new key but never passed its health check; look at its own logs',
  );
}

async function probeHttp(spec: HttpHealth, timeoutMs: number): Promise<Probe> {
  const where = `GET ${displayUrl(spec.url)}`;
  let request: { url: string; headers: Record<string, string> };
  try {
    request = withoutCredentials(spec.url);
  } catch {
    return { ok: false, reason: `${where}: not a valid URL` };
  }
  try {
    // manual: a redirect is an answer to compare with expectStatus, not something to follow
    const response = await fetch(request.url, { headers: request.headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel().catch(() => {});
    if (response.status === spec.expectStatus) return { ok: true };
    return { ok: false, reason: `${where} answered ${response.status}, expected ${spec.expectStatus}` };
  } catch (error) {
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return { ok: false, reason: `${where}: no answer within ${timeoutMs}ms` };
    }
    return { ok: false, reason: `${where}: ${networkReason(error).split(request.url).join(displayUrl(request.url))}` };
  }
}

/** fetch refuses user:password@ in a URL (and would print it): send it as Basic auth instead. */
function withoutCredentials(url: string): { url: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url, headers: {} };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}

async function probeCommand(
  consumer: string,
  spec: CommandHealth,
  timeoutMs: number,
  env: Record<string, string>,
  ctx: RunContext,
): Promise<Probe> {
  const result = await runCommand(spec.command, { label: `health ${consumer}`, env, timeoutMs }, ctx);
  if (result.exitCode === 0 && !result.timedOut) return { ok: true };
  const what = `\`${commandLine(spec.command)}\``;
  if (result.timedOut) return { ok: false, reason: `${what} did not finish within ${timeoutMs}ms` };
  const output = redactedTail(result.stderr || result.stdout, ctx.redactor, 3);
  return { ok: false, reason: `${what} exited ${result.exitCode}${output ? `: ${output}` : ''}` };
}

/** fetch says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is in its cause. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return messageOf(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
