/**
 * winston, with redaction applied to the message and every field before any transport
 * sees them: readable lines on a terminal, JSON lines with --log-format json, and an
 * optional --log-file (always JSON lines, created 0600). Logs go to stderr; stdout is for
 * command output. Every line is made terminal-safe after redaction (see terminal-text.ts):
 * messages carry error text and consumer output.
 */
import { closeSync, constants, createWriteStream, openSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import { errors } from '../errors.js';
import type { Redactor } from './redactor.js';
import { terminalJson, terminalText, terminalValue } from './terminal-text.js';

const MESSAGE = Symbol.for('message');

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
  // JSON.stringify escapes C0 controls but leaves C1 and bidi controls raw
  const jsonSafe = winston.format((info) => {
    const line = (info as Record<symbol, unknown>)[MESSAGE];
    if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = terminalJson(line);
    return info;
  });
  const json = winston.format.combine(redact(), winston.format.timestamp(), winston.format.json(), jsonSafe());
  const pretty = winston.format.combine(
    redact(),
    winston.format.printf((info) => {
      const { level, message, ...fields } = info;
      // a field is one value: its newlines are escaped too, so it cannot pass for a log line of its own
      const extra = Object.entries(fields)
        .filter(([k]) => typeof k === 'string')
        .map(([k, v]) => `${k}=${terminalValue(typeof v === 'string' ? v : String(JSON.stringify(v)))}`)
        .join(' ');
      return `${level.padEnd(5)} ${terminalText(String(message))}${extra ? `  ${extra}` : ''}`;
    }),
  );
  // Opened before any transport exists, so a log file that cannot be written stops the run before it starts.
  const fileStream = options.file === undefined ? undefined : openLogFile(options.file);
  const transports: winston.transport[] = [
    new winston.transports.Stream({
      stream: options.stream ?? process.stderr,
      format: options.format === 'json' ? json : pretty,
    }),
  ];
  if (fileStream) transports.push(new winston.transports.Stream({ stream: fileStream, format: json }));
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
        if (!fileStream) return resolve();
        // the Stream transport writes synchronously into fileStream, so ending it after winston flushes every line
        logger.on('finish', () => fileStream.end(() => resolve()));
        logger.end();
      }),
  };
}

/**
 * Open --log-file for appending, creating it 0600 (it holds key ids and people's names).
 * An operator who asked for a log and got none has lost the audit trail, so a file that
 * cannot be opened is a usage error, and a missing folder is not created: a mistyped path
 * would otherwise put the trail where nobody looks. An existing file keeps its mode.
 */
export function openLogFile(file: string): WriteStream {
  if (!file.trim()) throw errors.usage('--log-file needs a file name');
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
  } catch (error) {
    throw logFileError(file, (error as NodeJS.ErrnoException).code);
  }
  try {
    return createWriteStream(file, { fd, flags: 'a' });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function logFileError(file: string, code: string | undefined) {
  const hint = 'keyturn runs only with the log file it was asked for; fix --log-file or leave it out';
  switch (code) {
    case 'ENOENT':
      return errors.usage(`--log-file ${file}: the folder ${path.dirname(path.resolve(file))} does not exist`, hint);
    case 'ENOTDIR':
      return errors.usage(`--log-file ${file}: a part of the path is a file, not a folder`, hint);
    case 'EISDIR':
      return errors.usage(`--log-file ${file} is a folder, not a file`, `name a file in it, e.g. ${path.join(file, 'keyturn.log')}`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return errors.usage(`--log-file ${file}: not allowed to write there (${code})`, hint);
    default:
      return errors.usage(`--log-file ${file}: cannot open it (${code ?? 'unknown error'})`, hint);
  }
}

/** A logger that drops everything: for library callers and benchmarks. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  close: async () => {},
};
