/** Options every command accepts. */
export interface GlobalOptions {
  config: string;
  json: boolean;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  logFormat: 'pretty' | 'json';
  logFile?: string;
}
