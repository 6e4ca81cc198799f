/**
 * winston, with redaction applied to the message and every field before any transport
 * sees them: readable lines on a terminal, JSON lines with --log-format json, and an
 * optional --log-file (always JSON lines). Logs go to stderr; stdout is for command output.
 */
import winston from 'winston';
import type { Redactor } from './redactor.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'pretty' | 'json';

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /** flush file transports before exit */
  close(): Promise<void>;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  file?: string;
  redactor: Redactor;
  /** where console lines go; stderr by default */
  stream?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  const redact = winston.format((info) => {
    info.message = redactor.redact(String(info.message));
    for (const key of Object.keys(info)) {
      if (key !== 'level' && key !== 'message') info[key] = redactor.redactValue(info[key]);
    }
    return info;
  });
  const json = winston.format.combine(redact(), winston.format.timestamp(), winston.format.json());
  const pretty = winston.format.combine(
    redact(),
    winston.format.printf((info) => {
      const { level, message, ...fields } = info;
      const extra = Object.entries(fields)
        .filter(([k]) => typeof k === 'string')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return `${level.padEnd(5)} ${String(message)}${extra ? `  ${extra}` : ''}`;
    }),
  );
  const transports: winston.transport[] = [
    new winston.transports.Stream({
      stream: options.stream ?? process.stderr,
      format: options.format === 'json' ? json : pretty,
    }),
  ];
  if (options.file) transports.push(new winston.transports.File({ filename: options.file, format: json }));
  const logger = winston.createLogger({ level: options.level, transports });

  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    logger.log(level, message, fields ?? {});
  };
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    close: () =>
      new Promise<void>((resolve) => {
        if (!options.file) return resolve();
        logger.on('finish', () => resolve());
        logger.end();
      }),
  };
}

/** A logger that drops everything: for library callers and benchmarks. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  close: async () => {},
};
