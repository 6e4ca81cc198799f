/**
 * The redactor runs on every byte keyturn writes, a 10,000-key plan's output included:
 * measured on 5 MB of log-like text, with nothing registered (the common case of plan and
 * status) and against 50 registered secrets (a large rotation run), median of 5 each.
 */
import { randomBytes } from 'node:crypto';
import { Redactor } from '../src/log/redactor.js';

export interface RedactionFigures {
  nothingRegisteredUs: number;
  fiftySecretsMs: number;
  megabytes: number;
}

/** Log-like lines up to `bytes`: the text redaction is measured (and tested) on. */
export function logLikeText(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `key-${i}: rotated ok, new id ${randomBytes(8).toString('hex')}, status 200, duration ${i % 997}ms`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function medianOf(runs: number, measure: () => number): number {
  const times = Array.from({ length: runs }, measure).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

export function measureRedaction(bytes = 5_000_000): RedactionFigures {
  const text = logLikeText(bytes);
  const empty = new Redactor();
  const nothingRegisteredUs = medianOf(5, () => {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) empty.redact(text);
    return ((performance.now() - started) * 1000) / 1000;
  });
  const secrets = Array.from({ length: 50 }, () => randomBytes(24).toString('base64'));
  const loaded = new Redactor();
  loaded.add(...secrets);
  const middle = text.length >> 1;
  const mixed = `${text.slice(0, middle)}\n${secrets.join('\n')}\n${text.slice(middle)}`;
  const fiftySecretsMs = medianOf(5, () => {
    const started = performance.now();
    loaded.redact(mixed);
    return performance.now() - started;
  });
  return { nothingRegisteredUs, fiftySecretsMs, megabytes: bytes / 1e6 };
}
